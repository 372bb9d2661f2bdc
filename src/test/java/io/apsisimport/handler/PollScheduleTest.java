package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.slots.DurationModel.Estimate;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

// Unit tests of when "Check import status" looks: near the estimated end, then closely, backing
// off when overdue or queued; without an estimate, every PollIntervalSeconds while an import is
// young, then a tenth of its age, at most 30 minutes; and never more checks than the history
// budget assumes, whatever the estimates.
class PollScheduleTest {
    private final PollSchedule every30s = new PollSchedule(Duration.ofSeconds(30));

    @Test
    void aYoungImportIsCheckedAtThePollInterval() {
        assertEquals(30, every30s.nextCheckSeconds(Duration.ZERO));
        assertEquals(30, every30s.nextCheckSeconds(Duration.ofMinutes(5)));
    }

    @Test
    void anOlderImportIsCheckedAtATenthOfItsAgeAtMostEvery30Minutes() {
        assertEquals(60, every30s.nextCheckSeconds(Duration.ofMinutes(10)));
        assertEquals(360, every30s.nextCheckSeconds(Duration.ofHours(1)));
        assertEquals(1800, every30s.nextCheckSeconds(Duration.ofHours(6)));
        assertEquals(
                3600,
                new PollSchedule(Duration.ofHours(1)).nextCheckSeconds(Duration.ofHours(6)),
                "an interval above the ceiling wins");
    }

    @Test
    void withoutAnEstimateTheScheduleIsTheBackOff() {
        assertEquals(new PollSchedule.Wait(30, false), every30s.first(null));
        assertEquals(
                new PollSchedule.Wait(60, false),
                every30s.next(Duration.ofMinutes(10), Duration.ofMinutes(9), false, null, 0, 30));
    }

    @Test
    void atTheEndOfTheWindowAnImportIsOverdueAndTheEarlyChecksEndAtTheirMost() {
        // 100 s ± 50 %: the window is 50-200 s after the upload, a step 25 s; at 400 s of age the back-off is 40 s.
        var estimate = new Estimate(100, 0.5);
        Duration age = Duration.ofSeconds(400);
        Duration end = Duration.ofSeconds(200);
        assertEquals(
                new PollSchedule.Wait(25, true),
                every30s.next(age, end.minusSeconds(1), false, estimate, 0, 15),
                "within the window: a step");
        assertEquals(
                new PollSchedule.Wait(30, true),
                every30s.next(age, end, false, estimate, 0, 15),
                "at its end: overdue, twice the last wait");
        assertEquals(new PollSchedule.Wait(30, true), every30s.next(age, end, false, estimate, 11, 15));
        assertEquals(
                new PollSchedule.Wait(40, false),
                every30s.next(age, end, false, estimate, PollSchedule.MAX_EARLY_CHECKS, 15),
                "the early checks spent: the back-off");
    }

    @Test
    void aTimeoutOnACheckCountsThatCheck() {
        assertEquals(1, every30s.backoffChecksUntil(Duration.ofSeconds(29)));
        assertEquals(2, every30s.backoffChecksUntil(Duration.ofSeconds(30)));
    }

    @Test
    void theFloorIsASixthOfTheIntervalAndAtLeastASecond() {
        assertEquals(5, every30s.floorSeconds());
        assertEquals(1, new PollSchedule(Duration.ofSeconds(6)).floorSeconds());
        assertEquals(1, new PollSchedule(Duration.ofSeconds(1)).floorSeconds());
        assertEquals(2, new PollSchedule(Duration.ofSeconds(7)).floorSeconds());
    }

    @Test
    void theFirstCheckComesOneDeviationBeforeTheEstimatedEnd() {
        // 3 minutes ± 10 %: first look at 162 s.
        assertEquals(new PollSchedule.Wait(162, true), every30s.first(new Estimate(180, 0.1)));
        // Never sooner than the floor, never later than the ceiling.
        assertEquals(5, every30s.first(new Estimate(2, 0.5)).seconds());
        assertEquals(1800, every30s.first(new Estimate(6 * 3600, 0.05)).seconds());
    }

    @Test
    void whileTheEndIsLikelyTheChecksComeEveryHalfDeviation() {
        var estimate = new Estimate(180, 0.1); // deviation 18 s: a step of 9 s, the floor being 5 s
        var wait = every30s.next(Duration.ofSeconds(170), Duration.ofSeconds(163), false, estimate, 1, 162);
        assertEquals(new PollSchedule.Wait(9, true), wait);
        assertEquals(
                9,
                every30s.next(Duration.ofSeconds(200), Duration.ofSeconds(190), false, estimate, 2, 9)
                        .seconds());
        // A step below the floor is the floor.
        assertEquals(
                5,
                every30s.next(Duration.ofSeconds(70), Duration.ofSeconds(60), false, new Estimate(60, 0.1), 1, 54)
                        .seconds());
    }

    @Test
    void aCheckBeforeTheLikelyEndWaitsForIt() {
        // Pending at 100 s of an import estimated at 180 ± 18 s: the next look is at 162 s.
        assertEquals(
                62,
                every30s.next(Duration.ofSeconds(105), Duration.ofSeconds(100), false, new Estimate(180, 0.1), 1, 30)
                        .seconds());
    }

    @Test
    void anOverdueImportIsCheckedLessAndLessOftenUpToTheBackOff() {
        var estimate = new Estimate(180, 0.1); // likely over by 216 s
        assertEquals(
                12,
                every30s.next(Duration.ofSeconds(230), Duration.ofSeconds(220), false, estimate, 5, 6)
                        .seconds());
        assertEquals(
                24,
                every30s.next(Duration.ofSeconds(242), Duration.ofSeconds(232), false, estimate, 6, 12)
                        .seconds());
        var late = every30s.next(Duration.ofSeconds(266), Duration.ofSeconds(256), false, estimate, 7, 24);
        assertEquals(new PollSchedule.Wait(30, false), late, "the back-off: the interval while the import is young");
        assertEquals(
                120,
                every30s.next(Duration.ofMinutes(20), Duration.ofMinutes(19), false, estimate, 8, 100)
                        .seconds());
    }

    @Test
    void anImportStillQueuedBacksOffToo() {
        var estimate = new Estimate(180, 0.1);
        assertEquals(
                12,
                every30s.next(Duration.ofSeconds(175), Duration.ofSeconds(170), true, estimate, 2, 6)
                        .seconds());
        // Queued at the first look, long before its estimated end: the estimate says nothing yet.
        assertEquals(
                new PollSchedule.Wait(30, false),
                every30s.next(Duration.ofSeconds(170), Duration.ofSeconds(163), true, estimate, 1, 162));
    }

    @Test
    void onceTheEarlyChecksAreSpentTheBackOffIsTheShortestWait() {
        var estimate = new Estimate(180, 0.1);
        var spent = every30s.next(
                Duration.ofSeconds(170), Duration.ofSeconds(163), false, estimate, PollSchedule.MAX_EARLY_CHECKS, 162);
        assertEquals(new PollSchedule.Wait(30, false), spent);
    }

    @Test
    void theLongestImportTimeoutTakesFewerChecksThanTheCap() {
        int checks = new PollSchedule(Duration.ofSeconds(1)).checksUntil(Duration.ofDays(2));
        assertTrue(checks < PollSchedule.MAX_CHECKS, "checks: " + checks);
        assertEquals(
                PollSchedule.MAX_EARLY_CHECKS
                        + new PollSchedule(Duration.ofSeconds(1)).backoffChecksUntil(Duration.ofDays(2)),
                checks);
        assertTrue(new PollSchedule(Duration.ofSeconds(30)).backoffChecksUntil(Duration.ofMinutes(5)) <= 11);
    }

    @Test
    void whateverTheEstimatesAnImportThatNeverEndsGetsNoMoreChecksThanTheBound() {
        // As CheckImportStatus runs the schedule: uploads that take a while, estimates good and absurd,
        // statuses queued or not, Lambda and Step Functions adding their own delays; the import never
        // ends, so every check is followed by another until the timeout.
        var random = new SplittableRandom(16);
        for (int interval : new int[] {1, 2, 6, 30, 3600}) {
            var schedule = new PollSchedule(Duration.ofSeconds(interval));
            for (long timeout : new long[] {60, 3_600, 172_800}) {
                int bound = schedule.checksUntil(Duration.ofSeconds(timeout));
                for (int run = 0; run < 300; run++) {
                    Estimate estimate = random.nextInt(5) == 0
                            ? null
                            : new Estimate(
                                    Math.exp(random.nextDouble(0, Math.log(200_000))), random.nextDouble(0.05, 1.0));
                    double age = random.nextInt(3) == 0 ? random.nextDouble(0, 900) : random.nextDouble(0, 5);
                    double uploadedAt = age;
                    var wait = schedule.first(estimate);
                    int early = wait.early() ? 1 : 0;
                    int checks = 0;
                    while (true) {
                        age += wait.seconds() + random.nextDouble(0, 2);
                        checks++;
                        if (age > timeout) {
                            break;
                        }
                        wait = schedule.next(
                                Duration.ofMillis((long) (age * 1000)),
                                Duration.ofMillis((long) ((age - uploadedAt) * 1000)),
                                random.nextBoolean(),
                                estimate,
                                early,
                                wait.seconds());
                        early += wait.early() ? 1 : 0;
                        assertTrue(wait.seconds() >= schedule.floorSeconds());
                        assertTrue(wait.seconds() <= Math.max(interval, PollSchedule.CEILING.toSeconds()));
                    }
                    assertTrue(
                            checks <= bound,
                            checks + " checks within " + timeout + " s at " + interval + " s, bound " + bound
                                    + ", estimate " + estimate);
                    assertFalse(early > PollSchedule.MAX_EARLY_CHECKS, "early checks: " + early);
                }
            }
        }
    }
}
