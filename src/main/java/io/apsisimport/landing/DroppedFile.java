package io.apsisimport.landing;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One drop of a file: the object version its S3 event announced. Every read, copy and delete of
 * the file is pinned to it ({@link LandingFiles}), so an execution never touches the bytes of a
 * later drop on the same key.
 *
 * @param eTag as S3 events carry it (without quotes)
 * @param versionId null unless the bucket has versioning
 * @param eventTime the event's time (ISO-8601), or null when the execution was started by hand
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DroppedFile(String bucket, String key, String eTag, String versionId, Long size, String eventTime) {

    /** The ETag as S3 headers carry it: quoted; null when the event had none. */
    @JsonIgnore
    public String quotedETag() {
        if (eTag == null || eTag.isBlank()) {
            return null;
        }
        return eTag.startsWith("\"") ? eTag : "\"" + eTag + "\"";
    }

    /** Whether an ETag S3 answered (quoted or not) is this drop's. */
    public boolean sameETag(String answered) {
        return eTag == null
                || eTag.isBlank()
                || answered == null
                || unquote(answered).equals(unquote(eTag));
    }

    /**
     * Whether a copy's ETag proves it was copied from this drop. A copy of an object that was
     * uploaded in parts gets a new ETag, so only single-part ETags (no "-") can prove anything.
     */
    public boolean copiedETagMatches(String copyETag) {
        return eTag == null
                || eTag.isBlank()
                || unquote(eTag).contains("-")
                || copyETag == null
                || unquote(copyETag).equals(unquote(eTag));
    }

    static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
