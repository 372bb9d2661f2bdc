package io.apsisimport.slots;

import java.util.Objects;

/** Who holds a slot: one part of one Step Functions execution. */
public record SlotOwner(String executionArn, int part) {
    public SlotOwner {
        Objects.requireNonNull(executionArn, "executionArn");
        if (executionArn.isBlank()) {
            throw new IllegalArgumentException("executionArn must not be blank");
        }
        if (part < 0) {
            throw new IllegalArgumentException("part must be >= 0, was " + part);
        }
    }

    /** The owner's key in the slot table: {@code executionArn#part}. */
    public String id() {
        return executionArn + "#" + part;
    }

    /** The execution name and part, for messages and logs (no account id or region). */
    public String displayName() {
        return executionName(executionArn) + "#" + part;
    }

    /** The last segment of an execution ARN ({@code arn:aws:states:region:account:execution:machine:name}). */
    static String executionName(String executionArn) {
        int colon = executionArn.lastIndexOf(':');
        return colon >= 0 && colon < executionArn.length() - 1 ? executionArn.substring(colon + 1) : executionArn;
    }
}
