package io.apsisimport.csv;

/** The file has no data rows and its route says onEmptyFile=fail. */
public final class EmptyFileException extends RuntimeException {
    public EmptyFileException(String message) {
        super(message);
    }
}
