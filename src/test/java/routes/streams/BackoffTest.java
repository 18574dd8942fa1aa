package routes.streams;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void doublesFrom100MsUpToTheMaximumAndStartsOverAfterAReset() {
        Backoff backoff = new Backoff(5000);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            delays.add(backoff.next());
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L), delays);

        assertTrue(backoff.reset());
        assertFalse(backoff.reset(), "nothing left to undo");
        assertEquals(100L, backoff.next());
    }
}
