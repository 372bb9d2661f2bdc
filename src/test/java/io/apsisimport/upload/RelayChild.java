package io.apsisimport.upload;

import io.apsisimport.apsis.ImportTicket;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-process entry point for the constant-memory test and the relay bench:
 * {@code RelayChild <ticket.json> <bytes>} uploads a generated CSV of that size and prints
 * {@code RESULT status=<s> bytes=<n> elapsedMs=<ms> maxHeap=<bytes>}.
 */
public final class RelayChild {

    public static void main(String[] args) throws Exception {
        ImportTicket ticket = ImportTicket.fromJson(Files.readString(Path.of(args[0])));
        long size = Long.parseLong(args[1]);
        var uploader = new PresignedPostUploader(PresignedPostUploader.Options.defaults());
        var result = uploader.upload(ticket, "generated.csv", size, new GeneratedCsv(size));
        System.out.println("RESULT status=" + result.httpStatus() + " bytes=" + result.bytesSent()
                + " elapsedMs=" + result.elapsed().toMillis() + " maxHeap=" + Runtime.getRuntime().maxMemory());
    }
}
