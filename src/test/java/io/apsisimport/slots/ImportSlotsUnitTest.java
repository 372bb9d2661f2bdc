package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// Unit tests without AWS: configuration, owner ids, execution-status mapping. The slot rules
// (back-off, expected turn, who gets a slot) are in SlotPolicyTest.
class ImportSlotsUnitTest {
    @Test
    void configDefaults() {
        SlotsConfig c = SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t"));
        assertEquals(new SlotsConfig("t", "default", 3, Duration.ofSeconds(900), Duration.ofSeconds(21600)), c);
    }

    @Test
    void configReadsEveryVariable() {
        SlotsConfig c = SlotsConfig.fromEnvironment(Map.of(
                "SLOTS_TABLE",
                "t",
                "APSIS_ACCOUNT_KEY",
                "acme",
                "MAX_CONCURRENT_IMPORTS",
                "5",
                "SLOT_LEASE_SECONDS",
                "120",
                "SLOT_MAX_WAIT_SECONDS",
                "600"));
        assertEquals(new SlotsConfig("t", "acme", 5, Duration.ofSeconds(120), Duration.ofSeconds(600)), c);
    }

    @Test
    void configErrorsNameTheVariable() {
        assertTrue(assertThrows(IllegalStateException.class, () -> SlotsConfig.fromEnvironment(Map.of()))
                .getMessage()
                .contains("SLOTS_TABLE"));
        for (var bad : Map.of("MAX_CONCURRENT_IMPORTS", "0", "SLOT_LEASE_SECONDS", "x", "SLOT_MAX_WAIT_SECONDS", "-1")
                .entrySet()) {
            var e = assertThrows(
                    IllegalStateException.class,
                    () -> SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t", bad.getKey(), bad.getValue())));
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
        assertThrows(
                IllegalStateException.class,
                () -> SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t", "MAX_CONCURRENT_IMPORTS", "51")));
    }

    @Test
    void ownerIdAndDisplayName() {
        SlotOwner o = new SlotOwner("arn:aws:states:eu-west-1:1:execution:m:file-abc", 2);
        assertEquals("arn:aws:states:eu-west-1:1:execution:m:file-abc#2", o.id());
        assertEquals("file-abc#2", o.displayName());
    }

    @Test
    void executionStatusMapping() {
        assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.RUNNING));
        assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.PENDING_REDRIVE));
        assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.UNKNOWN_TO_SDK_VERSION));
        for (var s : new ExecutionStatus[] {
            ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED
        }) {
            assertFalse(SfnExecutionProbe.isRunning(s), s.toString());
        }
    }
}
