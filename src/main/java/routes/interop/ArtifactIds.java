package routes.interop;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

import routes.manifest.Manifest;

/**
 * A service's artifact as CDEvents wants it, a package URL (purl): {@code pkg:docker/<image>@<version>} from the
 * manifest's image (with {@code ?repository_url=<registry host>} when the service names a registry), or
 * {@code pkg:generic/<service>@<version>} for a service the manifest does not know. Without a version, the purl
 * names the package alone.
 */
final class ArtifactIds {

    private final Manifest manifest;

    ArtifactIds(Manifest manifest) {
        this.manifest = manifest;
    }

    String of(String service, String version) {
        Manifest.Service known = manifest.service(service).orElse(null);
        String at = version == null || version.isEmpty() ? "" : "@" + encode(version);
        if (known == null || known.image() == null || known.image().isBlank()) {
            return "pkg:generic/" + encode(service) + at;
        }
        String path = Arrays.stream(known.image().split("/")).filter(s -> !s.isEmpty()).map(ArtifactIds::encode)
                .collect(Collectors.joining("/"));
        return "pkg:docker/" + path + at + repository(known.registry());
    }

    /** The registry's host (and port): never its scheme, user info or path, so never a credential. */
    private String repository(String registry) {
        Manifest.Registry entry = registry == null ? null : manifest.registries().get(registry);
        if (entry == null || entry.url() == null) {
            return "";
        }
        try {
            URI url = URI.create(entry.url());
            if (url.getHost() == null) {
                return "";
            }
            return "?repository_url=" + encode(url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()));
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** Percent-encodes all but the purl's unreserved characters. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == '~')) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
