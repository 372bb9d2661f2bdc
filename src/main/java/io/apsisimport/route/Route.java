package io.apsisimport.route;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;

/**
 * One entry of routes.json: files whose key matches {@code match} are imported into APSIS One
 * section {@code section} with the v2 import request body {@code importSpec}, sent as given.
 */
public record Route(String name, String match, String section, ObjectNode importSpec, EmptyFilePolicy onEmptyFile,
    Pattern pattern) {

  /** What to do with a file that has no data rows. */
  public enum EmptyFilePolicy {
    /** End successfully with 0 profiles and no import (the default). */
    SKIP,
    /** Fail the execution; the file moves to failed/. */
    FAIL
  }

  public boolean matches(String key) {
    return pattern.matcher(key).matches();
  }

  /**
   * Compiles a glob on object keys: {@code *} matches within one path segment, {@code **} across
   * segments (also none: {@code inbox/**}{@code /*.csv} matches {@code inbox/a.csv}), {@code ?} one
   * character of a segment; everything else is literal.
   */
  public static Pattern glob(String glob) {
    var re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        boolean slashFollows = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
        re.append(slashFollows ? "(?:.*/)?" : ".*");
        i += slashFollows ? 2 : 1;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
