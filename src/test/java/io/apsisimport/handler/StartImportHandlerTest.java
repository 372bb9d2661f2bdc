package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

// Unit tests: execution names derived from bucket, key and sequencer.
class StartImportHandlerTest {
    @Test
    void namesAreShortUsingOnlyAllowedCharactersAndStable() {
        String longKey = "inbox/" + "very long file name with spaces åäö ".repeat(5) + ".csv";
        String name = StartImportHandler.executionName("landing", longKey, "0055AED6DCD90281E5");
        assertTrue(name.length() <= 80, name);
        assertTrue(name.matches("[A-Za-z0-9_-]+"), name);
        assertEquals(name, StartImportHandler.executionName("landing", longKey, "0055AED6DCD90281E5"));
        assertTrue(StartImportHandler.executionName("landing", "inbox/profiles.csv", "1")
                .startsWith("profiles_csv-"));
    }

    @Test
    void aNewEventForTheSameKeyGetsANewName() {
        assertNotEquals(
                StartImportHandler.executionName("b", "inbox/a.csv", "0001"),
                StartImportHandler.executionName("b", "inbox/a.csv", "0002"));
        assertNotEquals(
                StartImportHandler.executionName("b1", "inbox/a.csv", "0001"),
                StartImportHandler.executionName("b2", "inbox/a.csv", "0001"));
    }
}
