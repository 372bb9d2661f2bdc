package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

// Unit tests: status checks every PollIntervalSeconds while an import is young, then a tenth of
// its age, at most 30 minutes.
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
    assertEquals(3600, new PollSchedule(Duration.ofHours(1)).nextCheckSeconds(Duration.ofHours(6)),
        "a floor above the ceiling wins");
  }

  @Test
  void theLongestImportTimeoutTakesFewerChecksThanTheCap() {
    int checks = new PollSchedule(Duration.ofSeconds(1)).checksUntil(Duration.ofDays(2));
    assertTrue(checks < PollSchedule.MAX_CHECKS, "checks: " + checks);
    assertTrue(new PollSchedule(Duration.ofSeconds(30)).checksUntil(Duration.ofMinutes(5)) <= 11);
  }
}
