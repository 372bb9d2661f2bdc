package io.apsisimport.slots;

/** The owner no longer holds a slot (released, or reclaimed after its lease expired). */
public final class SlotLostException extends RuntimeException {
    public SlotLostException(String message) {
        super(message);
    }

    static SlotLostException of(SlotOwner owner) {
        return new SlotLostException(owner.displayName()
                + " no longer holds an APSIS import slot (released, or reclaimed after its lease expired)");
    }
}
