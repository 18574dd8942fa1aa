package routes.workers.validation;

import java.util.List;

import routes.events.proto.ValidationResult;

/** What one check found: PASSED, WARNINGS or FAILED, and a message an operator can act on (never a secret). */
public record CheckOutcome(ValidationResult result, String message) {

    public static CheckOutcome passed(String message) {
        return new CheckOutcome(ValidationResult.VALIDATION_RESULT_PASSED, message);
    }

    public static CheckOutcome warnings(String message) {
        return new CheckOutcome(ValidationResult.VALIDATION_RESULT_WARNINGS, message);
    }

    public static CheckOutcome failed(String message) {
        return new CheckOutcome(ValidationResult.VALIDATION_RESULT_FAILED, message);
    }

    /** Combines the findings of one check over several targets: the worst result, the messages joined. */
    public static CheckOutcome combine(List<CheckOutcome> parts, String whenEmpty) {
        if (parts.isEmpty()) {
            return passed(whenEmpty);
        }
        ValidationResult worst = parts.stream().map(CheckOutcome::result).reduce(ValidationResult.VALIDATION_RESULT_PASSED, CheckOutcome::worse);
        return new CheckOutcome(worst, String.join("; ", parts.stream().map(CheckOutcome::message).toList()));
    }

    /** FAILED over WARNINGS over PASSED. */
    public static ValidationResult worse(ValidationResult a, ValidationResult b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(ValidationResult result) {
        return switch (result) {
            case VALIDATION_RESULT_FAILED -> 2;
            case VALIDATION_RESULT_WARNINGS -> 1;
            default -> 0;
        };
    }
}
