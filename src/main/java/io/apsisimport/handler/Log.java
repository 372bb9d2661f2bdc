package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Structured logs: one JSON object per line, with the S3 key, execution and import id where known.
 * Callers pass ids and counts only: never a token, secret or upload form field.
 */
public final class Log {
  private Log() {}

  public static void info(Context context, String message, Object... keyValues) {
    write(context, "INFO", message, keyValues);
  }

  public static void warn(Context context, String message, Object... keyValues) {
    write(context, "WARN", message, keyValues);
  }

  static void write(Context context, String level, String message, Object... keyValues) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", Instant.now().toString());
    line.put("level", level);
    line.put("message", message);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      line.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
    }
    if (context != null && context.getAwsRequestId() != null) {
      line.put("requestId", context.getAwsRequestId());
    }
    String text;
    try {
      text = JsonHandler.JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      text = "{\"level\":\"" + level + "\",\"message\":\"unloggable event\"}";
    }
    if (context != null && context.getLogger() != null) {
      context.getLogger().log(text + "\n");
    } else {
      System.out.println(text);
    }
  }
}
