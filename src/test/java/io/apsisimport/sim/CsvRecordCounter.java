package io.apsisimport.sim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts RFC 4180 records in a CSV byte stream, in constant memory: quoted fields may hold
 * delimiters and line breaks, a UTF-8 BOM is skipped, CRLF / LF / CR all end a record,
 * blank lines are not records. The first record is the header; its delimiter
 * ({@code , ; TAB |}, the most frequent outside quotes) is used for the rest.
 * Records whose key column is blank are counted as failed, the way APSIS fails profiles
 * without a keyspace value.
 */
final class CsvRecordCounter {

    record Result(List<String> header, char delimiter, long records, long blankKeyRecords) {}

    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private enum State {
        FIELD_START,
        UNQUOTED,
        QUOTED,
        QUOTE_IN_QUOTED
    }

    private final String keyColumn;
    private final byte[] start = new byte[3];
    private int startLen;
    private boolean started;
    private final ByteArrayOutputStream headerBytes = new ByteArrayOutputStream();
    private boolean headerQuoted;
    private List<String> header;
    private byte delimiter = ',';
    private int keyIndex = -1;

    private State state = State.FIELD_START;
    private boolean lastWasCr;
    private int fieldIndex;
    private boolean recordHasContent;
    private boolean keyNonBlank;
    private long records;
    private long blankKeyRecords;

    CsvRecordCounter(String keyColumn) {
        this.keyColumn = keyColumn;
    }

    void update(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (!started && i < end) {
            start[startLen++] = b[i++];
            if (startLen == 3) {
                flushStart();
            }
        }
        for (; i < end; i++) {
            accept(b[i]);
        }
    }

    Result finish() {
        if (!started) {
            flushStart();
        }
        if (header == null) {
            endHeader();
        } else {
            endRecord();
        }
        return new Result(header, (char) delimiter, records, blankKeyRecords);
    }

    private void flushStart() {
        started = true;
        boolean bom = startLen == 3 && start[0] == BOM[0] && start[1] == BOM[1] && start[2] == BOM[2];
        if (!bom) {
            for (int k = 0; k < startLen; k++) {
                accept(start[k]);
            }
        }
    }

    private void accept(byte c) {
        if (header == null) {
            acceptHeader(c);
            return;
        }
        if (c == '\n' && lastWasCr) {
            lastWasCr = false;
            return;
        }
        lastWasCr = c == '\r';
        switch (state) {
            case FIELD_START -> {
                if (c == '"') {
                    state = State.QUOTED;
                    recordHasContent = true;
                } else if (c == delimiter) {
                    endField();
                } else if (c == '\r' || c == '\n') {
                    endRecord();
                } else {
                    state = State.UNQUOTED;
                    content(c);
                }
            }
            case UNQUOTED -> {
                if (c == delimiter) {
                    endField();
                } else if (c == '\r' || c == '\n') {
                    endRecord();
                } else {
                    content(c);
                }
            }
            case QUOTED -> {
                lastWasCr = false; // a line break inside quotes is data
                if (c == '"') {
                    state = State.QUOTE_IN_QUOTED;
                } else {
                    content(c);
                }
            }
            case QUOTE_IN_QUOTED -> {
                if (c == '"') {
                    state = State.QUOTED;
                    content(c);
                } else if (c == delimiter) {
                    endField();
                } else if (c == '\r' || c == '\n') {
                    endRecord();
                } else {
                    state = State.UNQUOTED; // lenient: text after a closing quote
                    content(c);
                }
            }
        }
    }

    private void content(byte c) {
        recordHasContent = true;
        if (fieldIndex == keyIndex && c != ' ' && c != '\t') {
            keyNonBlank = true;
        }
    }

    private void endField() {
        recordHasContent = true;
        fieldIndex++;
        state = State.FIELD_START;
    }

    private void endRecord() {
        if (recordHasContent) {
            records++;
            if (keyIndex >= 0 && !keyNonBlank) {
                blankKeyRecords++;
            }
        }
        fieldIndex = 0;
        recordHasContent = false;
        keyNonBlank = false;
        state = State.FIELD_START;
    }

    private void acceptHeader(byte c) {
        if (c == '"') {
            headerQuoted = !headerQuoted;
        }
        if (!headerQuoted && (c == '\r' || c == '\n')) {
            if (headerBytes.size() == 0) {
                return; // blank lines before the header
            }
            endHeader();
            lastWasCr = c == '\r';
            return;
        }
        if (headerBytes.size() < MAX_HEADER_BYTES) {
            headerBytes.write(c);
        }
    }

    private void endHeader() {
        String line = headerBytes.toString(StandardCharsets.UTF_8);
        delimiter = detectDelimiter(line);
        header = splitHeader(line, (char) delimiter);
        if (keyColumn != null) {
            keyIndex = header.indexOf(keyColumn);
        }
    }

    private static byte detectDelimiter(String line) {
        char[] candidates = {',', ';', '\t', '|'};
        int[] counts = new int[candidates.length];
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            for (int k = 0; k < candidates.length && !quoted; k++) {
                if (ch == candidates[k]) {
                    counts[k]++;
                }
            }
        }
        int best = 0;
        for (int k = 1; k < candidates.length; k++) {
            if (counts[k] > counts[best]) {
                best = k;
            }
        }
        return (byte) candidates[best];
    }

    private static List<String> splitHeader(String line, char delimiter) {
        List<String> fields = new ArrayList<>();
        if (line.isEmpty()) {
            return fields;
        }
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == delimiter) {
                fields.add(field.toString().trim());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString().trim());
        return fields;
    }
}
