package routes.cli;

/** Wrong or missing arguments found after parsing: one line naming the problem, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
