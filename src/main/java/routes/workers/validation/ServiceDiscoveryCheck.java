package routes.workers.validation;

import java.io.IOException;
import java.net.http.HttpResponse;

import routes.manifest.Manifest;
import routes.manifest.Manifest.Discovery;
import routes.workers.probe.Endpoints;

/**
 * service_discovery: the discovery endpoint answers 2xx. When it does not, the result is WARNINGS, not FAILED:
 * the release itself is fine and running services keep their resolved peers; the operator decides whether to go
 * on. Running past the check timeout is FAILED like every check.
 */
public final class ServiceDiscoveryCheck implements ValidationCheck {

    private final Manifest manifest;
    private final HttpProbe http;

    public ServiceDiscoveryCheck(Manifest manifest, HttpProbe http) {
        this.manifest = manifest;
        this.http = http;
    }

    @Override
    public String name() {
        return "service_discovery";
    }

    @Override
    public CheckOutcome check(Release release) throws InterruptedException {
        Discovery discovery = manifest.discovery();
        if (discovery == null) {
            return CheckOutcome.passed("no discovery endpoint in the manifest: skipped");
        }
        // Results are published and posted: the URL without what may authenticate it (user info, query).
        String shown = "discovery " + Endpoints.withoutCredentials(discovery.url());
        try {
            HttpResponse<String> response = http.get(discovery.url());
            if (HttpProbe.is2xx(response.statusCode())) {
                return CheckOutcome.passed(shown + " answered HTTP " + response.statusCode());
            }
            return CheckOutcome.warnings(shown + " answered HTTP " + response.statusCode());
        } catch (IOException e) {
            return CheckOutcome.warnings(shown + " unreachable: " + HttpProbe.describe(e));
        }
    }
}
