package io.apsisimport.upload;

import io.apsisimport.apsis.ImportTicket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-process entry point for the constant-memory test and the relay bench:
 * {@code RelayChild <ticket.json>[,<ticket.json>…] <bytes>|@<file>} uploads a generated CSV of that size (or the
 * file) once per ticket, in turn, and prints {@code RESULT status=<s> bytes=<n> elapsedMs=<ms> maxHeap=<bytes>}
 * for each (the later ones show a warmed-up JVM, as in a Lambda container that already served a file).
 */
public final class RelayChild {

    public static void main(String[] args) throws Exception {
        var uploader = new PresignedPostUploader(PresignedPostUploader.Options.defaults());
        for (String ticketFile : args[0].split(",")) {
            upload(uploader, ImportTicket.fromJson(Files.readString(Path.of(ticketFile))), args[1]);
        }
    }

    private static void upload(PresignedPostUploader uploader, ImportTicket ticket, String what) throws Exception {
        String[] args = {null, what};
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
        System.out.println("RESULT status=" + result.httpStatus() + " bytes=" + result.bytesSent() + " elapsedMs="
                + result.elapsed().toMillis() + " maxHeap="
                + Runtime.getRuntime().maxMemory());
    }
}
