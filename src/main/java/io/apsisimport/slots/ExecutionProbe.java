package io.apsisimport.slots;

/** Tells whether the execution that holds a slot can still use it. */
public interface ExecutionProbe {
    /**
     * {@code true} while the execution may still run (or be redriven) and use its slot; {@code false}
     * once it has ended or does not exist. When unsure, answer {@code true}: a slot is only
     * reclaimed from an execution this probe reports as not running.
     */
    boolean isRunning(String executionArn);
}
