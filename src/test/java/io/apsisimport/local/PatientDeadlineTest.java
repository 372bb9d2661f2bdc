package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PatientDeadlineTest {
    @Test
    void anOverloadedMachineStretchesTheDeadlineAtMostFourfold() {
        double stretch = PatientDeadline.stretch();
        assertTrue(stretch >= 1 && stretch <= PatientDeadline.MAX_STRETCH, "stretch " + stretch);
    }

    @Test
    void aDeadlinePassesOnceItsTimeHasBeenCounted() {
        var past = new PatientDeadline(Duration.ofNanos(-1));
        var hour = new PatientDeadline(Duration.ofHours(1));
        assertTrue(past.passed());
        assertFalse(hour.passed());
    }
}
