package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

// Unit test of the tier guard: in the fast tier (mvn test) starting moto, the Lambda runtime, the
// Python tooling or Docker fails at once with what to do; in the local-cloud tier, for tests named
// with -Dtest and outside Maven (no property) it does not.
class TierTest {
    @Test
    void theFastTierRefusesWhatBelongsToTheLocalCloudTier() {
        String before = System.getProperty(Tier.PROPERTY);
        try {
            System.setProperty(Tier.PROPERTY, Tier.FAST);
            var e = assertThrows(IllegalStateException.class, () -> Tier.requireLocalCloud("moto"));
            assertTrue(e.getMessage().startsWith("moto started in the fast tier (mvn test)"), e.getMessage());
            assertTrue(e.getMessage().contains("@LocalCloudTest"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> MotoServer.start(0), "MotoServer asks the guard first");
            assertThrows(IllegalStateException.class, LambdaRuntime::rieBinary, "so does the Lambda runtime");

            for (String other : new String[] {"local-cloud", "named"}) {
                System.setProperty(Tier.PROPERTY, other);
                assertDoesNotThrow(() -> Tier.requireLocalCloud("moto"), other);
            }
            System.clearProperty(Tier.PROPERTY);
            assertDoesNotThrow(() -> Tier.requireLocalCloud("moto"), "outside Maven (an IDE)");
        } finally {
            if (before == null) {
                System.clearProperty(Tier.PROPERTY);
            } else {
                System.setProperty(Tier.PROPERTY, before);
            }
        }
    }
}
