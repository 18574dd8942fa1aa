package routes.app;

import org.apache.camel.util.ObjectHelper;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/** A route file that cannot be read (its file, line, column and problem, in one line) or is not there. */
public final class RoutesFileException extends ConfigurationException {

    RoutesFileException(String message) {
        super(message);
    }

    private RoutesFileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The route file problem behind a failed start, or null when the start failed for another reason. */
    public static RoutesFileException of(Throwable failure) {
        MarkedYamlEngineException yaml = ObjectHelper.getException(MarkedYamlEngineException.class, failure);
        if (yaml == null) {
            return null;
        }
        Mark mark = yaml.getProblemMark().or(yaml::getContextMark).orElse(null);
        String where = mark == null ? "a route file" : mark.getName() + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
        String context = yaml.getContext() == null ? "" : " (" + yaml.getContext().strip() + ")";
        return new RoutesFileException(where + ": " + yaml.getProblem().strip() + context, failure);
    }
}
