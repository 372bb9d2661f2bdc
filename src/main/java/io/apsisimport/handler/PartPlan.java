package io.apsisimport.handler;

/**
 * One part of a file as it travels through the state machine: a byte range of the source object
 * ({@code start} inclusive, {@code end} exclusive) holding whole records, data rows
 * {@code firstRow .. firstRow + rows - 1}; sent to APSIS as the header line followed by the range.
 */
public record PartPlan(int index, long start, long end, long firstRow, long rows, long bytes) {
  public long lastRow() {
    return firstRow + rows - 1;
  }
}
