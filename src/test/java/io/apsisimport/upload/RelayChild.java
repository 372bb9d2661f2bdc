package io.apsisimport.upload;

import io.apsisimport.apsis.ImportTicket;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-process entry point for the constant-memory test and the relay bench:
 * {@code RelayChild <ticket.json> <bytes>|@<file>} uploads a generated CSV of that size (or the file) and prints
 * {@code RESULT status=<s> bytes=<n> elapsedMs=<ms> maxHeap=<bytes>}.
 */
public final class RelayChild {

    public static void main(String[] args) throws Exception {
        ImportTicket ticket = ImportTicket.fromJson(Files.readString(Path.of(args[0])));
        var uploader = new PresignedPostUploader(PresignedPostUploader.Options.defaults());
        PresignedPostUploader.UploadResult result;
        if (args[1].startsWith("@")) {
            Path file = Path.of(args[1].substring(1));
            try (var in = Files.newInputStream(file)) {
                result = uploader.upload(ticket, file.getFileName().toString(), Files.size(file), in);
            }
        } else {
            long size = Long.parseLong(args[1]);
            result = uploader.upload(ticket, "generated.csv", size, new GeneratedCsv(size));
        }
        System.out.println("RESULT status=" + result.httpStatus() + " bytes=" + result.bytesSent()
                + " elapsedMs=" + result.elapsed().toMillis() + " maxHeap=" + Runtime.getRuntime().maxMemory());
    }
}
