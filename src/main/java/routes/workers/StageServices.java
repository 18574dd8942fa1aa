package routes.workers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import routes.manifest.Manifest;
import routes.manifest.Manifest.Service;
import routes.manifest.Manifest.Stage;

/**
 * The services a stage completed event asks the workers to look at: the stage's services in the manifest, or, when
 * the event names services, those of them the manifest puts in that stage. Names the manifest does not put there are
 * kept apart as unknown: they are reported, never contacted (check targets come from the manifest only).
 */
record StageServices(String stage, List<Service> known, List<String> unknown) {

    static StageServices resolve(Manifest manifest, String stageName, List<String> requested) {
        Stage stage = manifest.stage(stageName).orElse(null);
        List<String> inStage = stage == null ? List.of() : stage.services();
        List<Service> known = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String name : requested.isEmpty() ? inStage : new LinkedHashSet<>(requested)) {
            if (inStage.contains(name)) {
                known.add(manifest.service(name).orElseThrow());
            } else {
                unknown.add(name);
            }
        }
        return new StageServices(stageName, List.copyOf(known), List.copyOf(unknown));
    }

    boolean isEmpty() {
        return known.isEmpty() && unknown.isEmpty();
    }

    List<String> names() {
        List<String> names = new ArrayList<>();
        known.forEach(s -> names.add(s.name()));
        names.addAll(unknown);
        return names;
    }

    String unknownReason(String name) {
        return "'" + name + "' is not a service of stage " + stage + " in the manifest: not checked";
    }
}
