package io.apsisimport.contract;

/**
 * What "Upload file" receives ({@code UploadPartHandler}). {@code executionArn}: the part's
 * execution (the slot's owner); bucket/key/eTag/versionId: the drop; {@code readKey}: the object the
 * part's byte ranges refer to when it is not the drop (a compressed file's work object, private to
 * the file's execution); absent, the drop itself.
 */
public record UploadPartInput(
        String bucket,
        String key,
        String eTag,
        String versionId,
        String executionArn,
        PartPlan part,
        int partCount,
        HeaderRef header,
        String importId,
        String readKey) {
    public UploadPartInput(
            String bucket,
            String key,
            String eTag,
            String versionId,
            String executionArn,
            PartPlan part,
            int partCount,
            HeaderRef header,
            String importId) {
        this(bucket, key, eTag, versionId, executionArn, part, partCount, header, importId, null);
    }
}
