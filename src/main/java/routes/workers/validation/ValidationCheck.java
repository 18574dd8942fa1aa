package routes.workers.validation;

/**
 * One pre-deployment check. A problem with the release or its targets is an outcome (FAILED / WARNINGS), never an
 * exception; the validator runs the checks concurrently and turns an overrun into FAILED.
 */
public interface ValidationCheck {

    /** The name in ValidationCheckResult.name, e.g. images_exist. */
    String name();

    CheckOutcome check(Release release) throws Exception;
}
