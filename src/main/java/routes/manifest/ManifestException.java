package routes.manifest;

/** A manifest Printery cannot use: names the file, the key and the problem. */
public class ManifestException extends RuntimeException {

    public ManifestException(String source, String key, String problem) {
        super("manifest " + source + ": " + (key.isEmpty() ? "" : key + ": ") + problem);
    }
}
