package io.apsisimport.contract;

/**
 * One part of a file as it travels through the state machines: a byte range of the source object
 * ({@code start} inclusive, {@code end} exclusive) holding whole records, data rows
 * {@code firstRow .. firstRow + rows - 1}; sent to APSIS as the header line followed by the range.
 *
 * @param execution the name of the part's own execution (import-part.asl.json): the file's
 *     execution name and the part number, so that a retried StartExecution cannot start a second one
 */
public record PartPlan(int index, long start, long end, long firstRow, long rows, long bytes, String execution) {
    /** Step Functions' limit on execution names. */
    static final int MAX_NAME = 80;

    public long lastRow() {
        return firstRow + rows - 1;
    }

    /**
     * {@code <file execution name>-p001}: at most 80 characters of the allowed ones (the file's
     * execution name is; its end, where StartImport puts the hash that makes it unique, is kept).
     */
    public static String executionName(String fileExecutionArn, int index) {
        String arn = fileExecutionArn == null ? "" : fileExecutionArn;
        String parent = arn.substring(arn.lastIndexOf(':') + 1).replaceAll("[^A-Za-z0-9_-]", "_");
        String suffix = "-p%03d".formatted(index + 1);
        int room = MAX_NAME - suffix.length();
        if (parent.length() > room) {
            parent = parent.substring(parent.length() - room);
        }
        return parent + suffix;
    }
}
