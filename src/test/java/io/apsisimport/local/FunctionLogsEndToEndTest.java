package io.apsisimport.local;

// End-to-end test of the functions' logs as CloudWatch gets them: every function of template.yaml
// runs in the Lambda Java runtime (RIC under RIE) with the template's JSON log format, through a
// file that is imported and a file that fails (so that the reaper runs too), and every line each
// function's process wrote is one JSON object with a level. Not the platform's lines (the emulator's
// START/END/REPORT and "(rapid)" lines: on AWS, Lambda writes its own platform records), and not the
// JVM's "Picked up JAVA_TOOL_OPTIONS" notice of a function whose template sets JAVA_TOOL_OPTIONS.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

class FunctionLogsEndToEndTest {
  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

  @Test
  void everyLineEveryFunctionWritesIsOneJsonObjectWithALevel() {
    var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(200)));
    try (sim; var cloud = LocalCloud.start(LocalCloud.Options.defaults(sim))) {
      cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
      String imported = cloud.drop("inbox/logs.csv", "email-address\na@example.com\n"
          .getBytes(StandardCharsets.UTF_8)).execution();
      // A header without the mapping's column: PreflightFile fails (its error goes through the
      // runtime's own error log line), the execution fails, and the reaper hears of it.
      String failed = cloud.drop("inbox/no-email.csv", "name\nAda\n".getBytes(StandardCharsets.UTF_8)).execution();
      assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(imported, Duration.ofMinutes(3)).status());
      assertEquals(ExecutionStatus.FAILED, cloud.await(failed, Duration.ofMinutes(3)).status());
      cloud.awaitReaped(failed, Duration.ofMinutes(1));

      List<String> problems = new ArrayList<>();
      for (var function : cloud.functions().values()) {
        String notice = "Picked up JAVA_TOOL_OPTIONS: " + function.javaToolOptions();
        int json = 0;
        for (String line : cloud.logLines(function.name())) {
          if (LambdaRuntime.platformLine(line) || (!function.javaToolOptions().isEmpty() && line.equals(notice))) {
            continue;
          }
          String problem = problem(line);
          if (problem == null) {
            json++;
          } else {
            problems.add(function.name() + ": " + problem + ": " + line);
          }
        }
        if (json == 0) {
          problems.add(function.name() + " wrote no JSON line (its init logs the SnapStart priming)");
        }
      }
      assertTrue(problems.isEmpty(), String.join("\n", problems));
      assertFalse(cloud.logLines("UploadPartFunction").stream().anyMatch(l -> l.startsWith("SLF4J")));
    }
  }

  /** Why a line of a function's own output is not what CloudWatch can read as an event, or null. */
  private static String problem(String line) {
    JsonNode node;
    try (var parser = LocalCloud.JSON.createParser(line)) {
      node = LocalCloud.JSON.readTree(parser);
      if (parser.nextToken() != null) {
        return "more than one JSON value";
      }
    } catch (IOException e) {
      return "not JSON";
    }
    if (node == null || !node.isObject()) {
      return "not a JSON object";
    }
    return LEVELS.contains(node.path("level").asText()) ? null : "no level";
  }
}
