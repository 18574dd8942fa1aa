package routes.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import routes.deploy.deployers.DeployHandle;

/**
 * What the orchestrator triggered and learned for one deployment, persisted as JSON with the run: the deployers'
 * handles (so a restarted orchestrator asks for their status instead of deploying again), the results it gated on,
 * and which of its events it has published.
 */
public final class RunProgress {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Keys of the events published (type and stage): a resumed step does not announce itself twice. */
    public Set<String> published = new LinkedHashSet<>();
    public String validation;
    /** The validation checks that failed, named in the deployment's failure. */
    public List<String> failedChecks = new ArrayList<>();
    public List<StageProgress> stages = new ArrayList<>();
    public String rollbackReason;
    public long rollbackStartedAt;

    /** One stage: when it ran, what each service's deployer triggered, how it went, the gates' results. */
    public static final class StageProgress {
        public String name;
        public long startedAt;
        public long finishedAt;
        public Map<String, DeployHandle> deploys = new LinkedHashMap<>();
        public Map<String, String> states = new LinkedHashMap<>();
        public Map<String, DeployHandle> rollbacks = new LinkedHashMap<>();
        public Map<String, String> rollbackStates = new LinkedHashMap<>();
        public String error;
        public String health;
        public String dependency;
        public String warning;
    }

    public static RunProgress of(String json) {
        try {
            return JSON.readValue(json, RunProgress.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable progress of a deployment: " + e.getOriginalMessage(), e);
        }
    }

    public String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sets a stage's progress, adding the stages before it where missing. */
    public void put(int index, StageProgress stage) {
        stage(index, stage.name);
        stages.set(index, stage);
    }

    /** The stage's progress, added when it starts. */
    public StageProgress stage(int index, String name) {
        while (stages.size() <= index) {
            stages.add(new StageProgress());
        }
        StageProgress stage = stages.get(index);
        stage.name = name;
        return stage;
    }
}
