package io.apsisimport.slots;

/**
 * The outcome of {@link ImportSlots#startUpload}: whether the part may send its file now. The slot
 * counts the upload attempts begun and those known not to have delivered the file, so no repeat of
 * "Upload file" (a Retry, a Lambda retry after the function died mid-upload, a lost invocation
 * answer) can send the file a second time while an earlier attempt may have delivered it.
 */
public sealed interface UploadStart {
    /** Attempt {@code attempt} is recorded as begun: send the file. */
    record Send(int attempt) implements UploadStart {}

    /** The file is known to have arrived (an attempt succeeded, or APSIS said so): send nothing. */
    record AlreadyUploaded() implements UploadStart {}

    /**
     * Attempt {@code attempt} began and its outcome is unknown (no answer was recorded): send nothing
     * until APSIS has been asked whether the file arrived ({@link ImportSlots#giveUpOnUpload}).
     */
    record InDoubt(int attempt) implements UploadStart {}
}
