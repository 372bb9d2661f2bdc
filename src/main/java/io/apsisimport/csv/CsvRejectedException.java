package io.apsisimport.csv;

/**
 * The CSV file cannot be imported as it is: the person who dropped it has to fix and re-export it.
 * Retrying cannot help, so no Retry names these classes; the Task that checks the file catches them
 * with {@code States.ALL} and routes the file to {@code failed/} with the concrete class name and
 * the message in its report.
 *
 * <p>Messages name rows, lines and byte offsets, never field values: profile data must not end
 * up in logs or execution histories.
 */
public abstract class CsvRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected CsvRejectedException(String message) {
        super(message);
    }
}
