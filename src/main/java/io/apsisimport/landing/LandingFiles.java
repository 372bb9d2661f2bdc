package io.apsisimport.landing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Every read, copy and delete of a dropped file, pinned to the version its S3 event announced:
 * the version id where the bucket keeps versions, else the ETag ({@code If-Match},
 * {@code x-amz-copy-source-if-match}). When the object under the key is no longer that version,
 * reads throw {@link FileReplacedException} and copies and deletes leave it alone.
 *
 * <p>Where moto (the local cloud) is more lenient than S3, a check of our own holds the code to
 * S3's rule: every GET and HEAD answer's ETag (or version id) is compared with the drop's, and
 * since moto ignores {@code x-amz-copy-source-if-match}, a copy is preceded by a pinned HEAD and
 * its result's ETag is compared with the drop's (where that proves anything, see
 * {@link DroppedFile#copiedETagMatches}); a copy of the wrong bytes is deleted again.
 */
public final class LandingFiles {
    private final S3Client s3;

    public LandingFiles(S3Client s3) {
        this.s3 = s3;
    }

    /** What a pinned copy did. */
    public enum Copy {
        /** The drop's bytes are at the target. */
        COPIED,
        /** The key holds a newer drop now (which has its own execution): nothing was copied. */
        REPLACED,
        /** The key holds nothing any more: nothing was copied. */
        GONE
    }

    /** The whole drop (a pinned GET); {@code response().contentLength()} is its size. */
    public ResponseInputStream<GetObjectResponse> open(DroppedFile f) {
        return get(f, null);
    }

    /** Bytes {@code [start, endExclusive)} of the drop (a pinned ranged GET). */
    public InputStream range(DroppedFile f, long start, long endExclusive) {
        if (endExclusive <= start) {
            return InputStream.nullInputStream();
        }
        return get(f, "bytes=" + start + "-" + (endExclusive - 1));
    }

    /** Throws {@link FileReplacedException} unless the key still holds the drop (a pinned HEAD). */
    public void requireUnchanged(DroppedFile f) {
        HeadObjectResponse head;
        try {
            head = s3.headObject(b -> {
                b.bucket(f.bucket()).key(f.key());
                if (f.versionId() != null) {
                    b.versionId(f.versionId());
                }
                if (f.quotedETag() != null) {
                    b.ifMatch(f.quotedETag());
                }
            });
        } catch (S3Exception e) {
            throw replacedOrRethrow(f, e);
        }
        if (!f.sameETag(head.eTag()) || f.versionId() != null && !f.versionId().equals(head.versionId())) {
            throw FileReplacedException.of(f.key(), false);
        }
    }

    /** Copies the drop to {@code targetKey} in the same bucket, pinned; never copies another drop's bytes. */
    public Copy copy(DroppedFile f, String targetKey) {
        try {
            requireUnchanged(f); // moto ignores x-amz-copy-source-if-match: our own check first
        } catch (FileReplacedException e) {
            return exists(f.bucket(), f.key()) ? Copy.REPLACED : Copy.GONE;
        }
        CopyObjectResponse copied;
        try {
            copied = s3.copyObject(b -> {
                b.sourceBucket(f.bucket())
                        .sourceKey(f.key())
                        .destinationBucket(f.bucket())
                        .destinationKey(targetKey);
                if (f.versionId() != null) {
                    b.sourceVersionId(f.versionId());
                }
                if (f.quotedETag() != null) {
                    b.copySourceIfMatch(f.quotedETag());
                }
            });
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return Copy.REPLACED;
            }
            if (e.statusCode() == 404) {
                return Copy.GONE;
            }
            throw e;
        }
        String copyETag = copied.copyObjectResult() == null
                ? null
                : copied.copyObjectResult().eTag();
        if (f.versionId() == null && !f.copiedETagMatches(copyETag)) {
            // Replaced between our HEAD and the copy, where the copy condition was not honoured.
            s3.deleteObject(b -> b.bucket(f.bucket()).key(targetKey));
            return Copy.REPLACED;
        }
        return Copy.COPIED;
    }

    /**
     * Deletes the drop from its key, pinned: a newer drop under the same key is left alone, and a
     * drop already deleted (a retry) is fine.
     */
    public void delete(DroppedFile f) {
        try {
            s3.deleteObject(b -> {
                b.bucket(f.bucket()).key(f.key());
                if (f.versionId() != null) {
                    b.versionId(f.versionId()); // conditional deletes only apply to the current version
                } else if (f.quotedETag() != null) {
                    b.ifMatch(f.quotedETag());
                }
            });
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 404) {
                throw e;
            }
        }
    }

    public boolean exists(String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private ResponseInputStream<GetObjectResponse> get(DroppedFile f, String range) {
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(f.bucket()).key(f.key());
        if (f.versionId() != null) {
            request.versionId(f.versionId());
        }
        if (f.quotedETag() != null) {
            request.ifMatch(f.quotedETag());
        }
        if (range != null) {
            request.range(range);
        }
        ResponseInputStream<GetObjectResponse> body;
        try {
            body = s3.getObject(request.build());
        } catch (S3Exception e) {
            throw replacedOrRethrow(f, e);
        }
        GetObjectResponse r = body.response();
        if (!f.sameETag(r.eTag())
                || f.versionId() != null
                        && r.versionId() != null
                        && !f.versionId().equals(r.versionId())) {
            close(body);
            throw FileReplacedException.of(f.key(), false);
        }
        return body;
    }

    private static RuntimeException replacedOrRethrow(DroppedFile f, S3Exception e) {
        if (e.statusCode() == 412) {
            return FileReplacedException.of(f.key(), false);
        }
        if (e.statusCode() == 404) {
            return FileReplacedException.of(f.key(), true);
        }
        return e;
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
