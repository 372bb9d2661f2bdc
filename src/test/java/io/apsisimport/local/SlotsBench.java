package io.apsisimport.local;

import io.apsisimport.sim.ApsisSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * bench/slots/run: the makespan of N files dropped at once against the ideal ⌈N/3⌉ × (the time one
 * file takes alone), in the same run, plus state transitions per file (Step Functions bills them).
 */
public final class SlotsBench {
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int importSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int pollSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofSeconds(importSeconds)));
    var options = LocalCloud.Options.defaults(sim).withPollIntervalSeconds(pollSeconds);
    try (sim; var cloud = LocalCloud.start(options)) {
      cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
      // Baseline: one file alone, twice (the first warms up the JVM), same cloud, same simulator.
      double single = 0;
      for (int i = 0; i < 2; i++) {
        Instant t = Instant.now();
        String e = cloud.drop("inbox/single-" + i + ".csv", csv(i)).execution();
        require(cloud.await(e, Duration.ofMinutes(2)).status(), e);
        single = seconds(t);
      }
      Instant t0 = Instant.now();
      List<String> executions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        executions.add(cloud.drop("inbox/load/file-" + i + ".csv", csv(100 + i)).execution());
      }
      for (String e : executions) {
        require(cloud.await(e, Duration.ofMinutes(30)).status(), e);
      }
      double makespan = seconds(t0);
      double ideal = Math.ceil(n / 3.0) * single;
      long transitions = 0;
      long max = 0;
      for (String e : executions) {
        long c = cloud.history(e).stream().filter(h -> h.stateEnteredEventDetails() != null).count();
        transitions += c;
        max = Math.max(max, c);
      }
      System.out.printf("files: %d, APSIS import time: %d s, poll interval: %d s%n", n, importSeconds, pollSeconds);
      System.out.printf("one file alone:               %6.1f s%n", single);
      System.out.printf("ideal ceil(N/3) x alone:      %6.1f s%n", ideal);
      System.out.printf("makespan of %d files:         %6.1f s%n", n, makespan);
      System.out.printf("ratio makespan/ideal:         %6.2f   (goal <= 1.25)%n", makespan / ideal);
      System.out.printf("max pending seen at APSIS:    %6d   429s answered: %d%n", sim.maxPendingSeen(),
          sim.tooManyRequestsAnswered());
      System.out.printf("state transitions per file:   %6.1f mean, %d max%n", transitions / (double) n, max);
    }
  }

  private static byte[] csv(int i) {
    return ("email-address\nuser" + i + "@example.com\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void require(ExecutionStatus status, String execution) {
    if (status != ExecutionStatus.SUCCEEDED) {
      throw new IllegalStateException(execution + " ended " + status);
    }
  }

  private static double seconds(Instant t) {
    return Duration.between(t, Instant.now()).toMillis() / 1000.0;
  }
}
