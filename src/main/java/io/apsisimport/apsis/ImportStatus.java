package io.apsisimport.apsis;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The status of one APSIS One import. {@code status} is APSIS's raw value
 * ("unknown" when the answer had none); counts are {@code null} when APSIS did not send them.
 */
public record ImportStatus(
        String importId,
        String status,
        Outcome outcome,
        Long profilesFound,
        Long profilesProcessed,
        Long profilesFailed) {

    public ImportStatus {
        if (status == null) {
            status = "unknown";
        }
        if (outcome == null) {
            outcome = Outcome.fromStatus(status);
        }
    }

    /** Builds a status whose outcome is derived from the raw status value. */
    public static ImportStatus of(
            String importId, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed) {
        return new ImportStatus(
                importId, status, Outcome.fromStatus(status), profilesFound, profilesProcessed, profilesFailed);
    }

    @JsonIgnore // derived: keeps the JSON form round-trippable with a plain ObjectMapper
    public boolean isTerminal() {
        return outcome != Outcome.PENDING;
    }

    @JsonIgnore
    public boolean waitingForFile() {
        return waitingForFile(status);
    }

    private static final Pattern WAITING_FOR_FILE =
            Pattern.compile("a?wait(ing)?( for)?( a| an| the)?( upload(ed)?)? file( upload)?");

    /**
     * Whether APSIS says the import still waits for its file: "waiting for a file" (the help centre),
     * "waiting for file", "waiting_for_file", "WaitingForFile", "awaiting file upload", … in any case
     * and with any separators. The exact value is not published; only a status that says so in so
     * many words counts, so that a spelling not foreseen here can never be read as "no file yet"
     * (which would let the file be sent again).
     */
    public static boolean waitingForFile(String status) {
        if (status == null) {
            return false;
        }
        String words = status.strip()
                .replaceAll("([a-z])([A-Z])", "$1 $2")
                .toLowerCase(Locale.ROOT)
                .replaceAll("[\\s_\\-.]+", " ")
                .strip();
        return WAITING_FOR_FILE.matcher(words).matches();
    }
}
