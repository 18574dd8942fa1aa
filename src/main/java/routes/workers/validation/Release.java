package routes.workers.validation;

import java.util.List;

import routes.manifest.Manifest.Service;

/**
 * What a deployment:started event asks to validate, already resolved against the manifest: only services the
 * manifest describes reach a check, so every check target comes from the manifest.
 *
 * @param version     the release version, also the image tag
 * @param environment the environment name (a key of the manifest's environments)
 * @param services    the manifest's descriptions of the services being deployed
 */
public record Release(String version, String environment, List<Service> services) {
}
