package io.apsisimport.dryrun;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.apsisimport.csv.CsvEncodingException;
import io.apsisimport.csv.CsvMalformedException;
import io.apsisimport.csv.CsvRecordTooLargeException;
import io.apsisimport.source.ArchiveCorruptException;

/**
 * One reason the file would not import, where it is: the error an import would have failed with
 * (its short name, as the console shows it), the message, and the line, data row (1 = the first
 * record after the header; 0 = the header) and byte offset when the check knows them. Offsets of a
 * compressed file count in the CSV inside, except {@code compressedByteOffset}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String error, String message, Long line, Long row, Long byteOffset, Long compressedByteOffset) {
    /** Messages are kept to this length (the report in S3 and the execution output alike). */
    static final int MESSAGE_CHARS = 1_000;

    public Problem {
        if (message != null && message.length() > MESSAGE_CHARS) {
            message = message.substring(0, MESSAGE_CHARS - 1) + "…";
        }
    }

    public static Problem of(String error, String message) {
        return new Problem(error, message, null, null, null, null);
    }

    /** The problem an exception of a check stands for, with the positions it carries. */
    public static Problem of(RuntimeException e) {
        String name = shortName(e.getClass().getName());
        return switch (e) {
            case CsvEncodingException x -> new Problem(name, x.getMessage(), x.line(), x.row(), x.byteOffset(), null);
            case CsvMalformedException x -> new Problem(name, x.getMessage(), x.line(), x.row(), x.byteOffset(), null);
            case CsvRecordTooLargeException x -> new Problem(name, x.getMessage(), x.line(), x.row(), null, null);
            case ArchiveCorruptException x -> new Problem(name, x.getMessage(), null, null, null, x.compressedOffset());
            default -> new Problem(name, e.getMessage(), null, null, null, null);
        };
    }

    /** {@code io.apsisimport.csv.CsvEncodingException} → {@code CsvEncoding}, as the reports name errors. */
    static String shortName(String className) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple.endsWith("Exception") && simple.length() > "Exception".length()
                ? simple.substring(0, simple.length() - "Exception".length())
                : simple;
    }
}
