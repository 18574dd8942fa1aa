package routes.manifest;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/** Loads the manifest once at start (PRINTERY_MANIFEST, else the one in the jar); a bad one stops the start. */
@Configuration
public class ManifestConfiguration implements CamelConfiguration {

    @BindToRegistry("manifest")
    public Manifest manifest(@PropertyInject("printery.manifest") String location) {
        return ManifestLoader.load(location);
    }
}
