package io.apsisimport.landing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

// Unit tests: each drop of a key gets archive, failed and report names of its own, readable and
// sorting by the time of the drop.
class DropNamesTest {
    private static final String EXEC = "arn:aws:states:eu-west-1:123456789012:execution:stack-import:profiles_csv-0a9c";

    @Test
    void theDropIdGoesBeforeTheExtension() {
        var names = DropNames.of("inbox/newsletter/profiles.csv", "2026-06-11T10:15:02.123Z", null, EXEC);
        assertTrue(names.dropId().matches("20260611T101502Z-[0-9a-f]{8}"), names.dropId());
        assertEquals("archive/inbox/newsletter/profiles." + names.dropId() + ".csv", names.archived());
        assertEquals("failed/inbox/newsletter/profiles." + names.dropId() + ".csv", names.failed());
        assertEquals("reports/inbox/newsletter/profiles." + names.dropId() + ".csv.json", names.report(true));
        assertEquals("reports/inbox/newsletter/profiles." + names.dropId() + ".csv.error.json", names.report(false));
    }

    @Test
    void aCompressedFileKeepsItsDoubleExtension() {
        var gz = DropNames.of("inbox/crm/profiles.csv.gz", "2026-06-11T10:15:02Z", null, EXEC);
        assertEquals("archive/inbox/crm/profiles." + gz.dropId() + ".csv.gz", gz.archived());
        assertEquals("reports/inbox/crm/profiles." + gz.dropId() + ".csv.gz.json", gz.report(true));
        var zip = DropNames.of("inbox/crm/profiles.zip", "2026-06-11T10:15:02Z", null, EXEC);
        assertEquals("archive/inbox/crm/profiles." + zip.dropId() + ".zip", zip.archived());
        var bare = DropNames.of("inbox/crm/profiles.gz", "2026-06-11T10:15:02Z", null, EXEC);
        assertEquals("archive/inbox/crm/profiles." + bare.dropId() + ".gz", bare.archived());
    }

    @Test
    void keysWithoutExtensionOrWithDotsInFoldersGetTheIdAtTheEnd() {
        var names = DropNames.of("inbox/v1.2/export", "2026-06-11T10:15:02Z", null, EXEC);
        assertEquals("archive/inbox/v1.2/export." + names.dropId(), names.archived());
        assertEquals(
                "archive/inbox/.hidden." + names.dropId(),
                DropNames.of("inbox/.hidden", "2026-06-11T10:15:02Z", null, EXEC)
                        .archived());
    }

    @Test
    void twoDropsOfOneKeyNeverShareANameAndSortByTime() {
        var first = DropNames.of("inbox/a.csv", "2026-06-11T10:15:02Z", null, EXEC + "-1");
        var sameSecond = DropNames.of("inbox/a.csv", "2026-06-11T10:15:02Z", null, EXEC + "-2");
        var later = DropNames.of("inbox/a.csv", "2026-06-12T08:00:00Z", null, EXEC + "-0");
        assertNotEquals(first.report(true), sameSecond.report(true));
        assertNotEquals(first.archived(), sameSecond.archived());
        var sorted = new ArrayList<>(List.of(later.report(true), first.report(true)));
        sorted.sort(null);
        assertEquals(List.of(first.report(true), later.report(true)), sorted);
    }

    @Test
    void anExecutionStartedByHandUsesItsStartTimeAndIsStable() {
        var names = DropNames.of("inbox/a.csv", null, "2026-06-11T10:15:02.123+00:00", EXEC);
        assertTrue(names.dropId().startsWith("20260611T101502Z-"), names.dropId());
        assertEquals(
                names.archived(),
                DropNames.of("inbox/a.csv", null, "2026-06-11T10:15:02.123+00:00", EXEC)
                        .archived());
    }
}
