package io.apsisimport.handler;

import io.apsisimport.contract.UploadPartInput;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/**
 * What "Upload file" sends for one part: the file's header line followed by the part's byte range,
 * streamed from S3 by ranged GETs pinned to the drop, and the name APSIS shows for it.
 */
final class PartBody {
    private PartBody() {}

    /** The object the part's ranges refer to: the drop (pinned to its version), or the file's work object. */
    static DroppedFile source(UploadPartInput in) {
        return in.readKey() == null || in.readKey().equals(in.key())
                ? new DroppedFile(in.bucket(), in.key(), in.eTag(), in.versionId(), null, null)
                : new DroppedFile(in.bucket(), in.readKey(), null, null, null, null);
    }

    /** How many bytes the part sends: its header line and its records. */
    static long length(UploadPartInput in) {
        return in.header().length() + (in.part().end() - in.part().start());
    }

    /**
     * The header line and the part's records as one stream. The first part follows its header line in
     * the object: one ranged GET covers both (one request to S3 instead of two for every file of one
     * part); a later part needs the header's range and its own. Closing it closes both.
     */
    static InputStream open(LandingFiles files, DroppedFile drop, UploadPartInput in) {
        long headerEnd = in.header().offset() + in.header().length();
        boolean adjacent = headerEnd == in.part().start();
        InputStream header = adjacent
                ? InputStream.nullInputStream()
                : files.range(drop, in.header().offset(), headerEnd);
        try {
            InputStream records = files.range(
                    drop,
                    adjacent ? in.header().offset() : in.part().start(),
                    in.part().end());
            return new SequenceInputStream(header, records);
        } catch (RuntimeException e) {
            try {
                header.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The name APSIS shows for the upload: the source's base name, with the part number when split. */
    static String fileName(String key, int index, int partCount) {
        String base = key.substring(key.lastIndexOf('/') + 1);
        if (partCount <= 1) {
            return base;
        }
        int dot = base.lastIndexOf('.');
        String stem = dot > 0 ? base.substring(0, dot) : base;
        return stem + ".part-" + (index + 1) + "-of-" + partCount + ".csv";
    }
}
