package io.apsisimport.csv;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately naive RFC 4180 reader for tests, written independently of the scanner's state
 * machine: well-formed input only, byte offsets kept, empty lines reported as blank units.
 */
final class RefCsv {

    record Unit(int start, int end, boolean blank, List<String> fields) {}

    private RefCsv() {}

    static List<Unit> units(byte[] d, int from, int to, byte delim) {
        var out = new ArrayList<Unit>();
        int i = from;
        while (i < to) {
            int start = i;
            if (d[i] == '\n') {
                out.add(new Unit(start, ++i, true, List.of()));
                continue;
            }
            if (d[i] == '\r' && i + 1 < to && d[i + 1] == '\n') {
                i += 2;
                out.add(new Unit(start, i, true, List.of()));
                continue;
            }
            var fields = new ArrayList<String>();
            while (true) {
                var f = new ByteArrayOutputStream();
                if (i < to && d[i] == '"') {
                    i++;
                    while (true) {
                        if (i >= to) {
                            throw new IllegalStateException("unterminated quote at " + start);
                        }
                        if (d[i] == '"') {
                            if (i + 1 < to && d[i + 1] == '"') {
                                f.write('"');
                                i += 2;
                            } else {
                                i++;
                                break;
                            }
                        } else {
                            f.write(d[i++]);
                        }
                    }
                } else {
                    while (i < to && d[i] != delim && d[i] != '\r' && d[i] != '\n') {
                        f.write(d[i++]);
                    }
                }
                fields.add(f.toString(StandardCharsets.UTF_8));
                if (i >= to) {
                    break;
                }
                if (d[i] == delim) {
                    i++;
                    continue;
                }
                if (d[i] == '\r') {
                    if (i + 1 >= to || d[i + 1] != '\n') {
                        throw new IllegalStateException("lone CR at " + i);
                    }
                    i += 2;
                    break;
                }
                if (d[i] == '\n') {
                    i++;
                    break;
                }
                throw new IllegalStateException("garbage after closing quote at " + i);
            }
            out.add(new Unit(start, i, false, fields));
        }
        return out;
    }

    static List<List<String>> records(byte[] d, int from, int to, byte delim) {
        return units(d, from, to, delim).stream()
                .filter(u -> !u.blank())
                .map(Unit::fields)
                .toList();
    }
}
