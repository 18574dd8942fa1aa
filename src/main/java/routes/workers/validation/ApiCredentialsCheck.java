package routes.workers.validation;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import routes.manifest.Manifest;
import routes.manifest.Manifest.Credential;
import routes.workers.probe.Endpoints;

/**
 * api_credentials: each credential check of the manifest answers 2xx when called with its token (e.g. a
 * provider's who-am-I endpoint). Messages name the credential and its URL, never the token.
 */
public final class ApiCredentialsCheck implements ValidationCheck {

    private final Manifest manifest;
    private final HttpProbe http;

    public ApiCredentialsCheck(Manifest manifest, HttpProbe http) {
        this.manifest = manifest;
        this.http = http;
    }

    @Override
    public String name() {
        return "api_credentials";
    }

    @Override
    public CheckOutcome check(Release release) throws InterruptedException {
        List<CheckOutcome> parts = new ArrayList<>();
        List<Credential> credentials = manifest.credentials().values().stream()
                .sorted(Comparator.comparing(Credential::name)).toList();
        for (Credential credential : credentials) {
            parts.add(verify(credential));
        }
        return CheckOutcome.combine(parts, "no credential checks in the manifest");
    }

    private CheckOutcome verify(Credential credential) throws InterruptedException {
        String name = "credential '" + credential.name() + "'";
        if (credential.token() == null || credential.token().isEmpty()) {
            return CheckOutcome.failed(name + " has no token configured");
        }
        String value = credential.scheme().isEmpty() ? credential.token() : credential.scheme() + " " + credential.token();
        String url = Endpoints.withoutCredentials(credential.url());
        try {
            HttpResponse<String> response = http.send(http.request(credential.url()).header(credential.header(), value).GET().build());
            int status = response.statusCode();
            if (HttpProbe.is2xx(status)) {
                return CheckOutcome.passed(name + " valid (HTTP " + status + ")");
            }
            if (status == 401 || status == 403) {
                return CheckOutcome.failed(name + " rejected by " + url + " (HTTP " + status + ")");
            }
            return CheckOutcome.failed(name + " could not be verified: " + url + " answered HTTP " + status);
        } catch (IOException e) {
            return CheckOutcome.failed(name + " could not be verified: " + url + " unreachable: " + HttpProbe.describe(e));
        }
    }
}
