package io.apsisimport.feed;

/** How an execution holding a place in a feed stands. */
@FunctionalInterface
public interface FeedProbe {
    /** Still running, or nobody can tell (keep its place). */
    String RUNNING = "RUNNING";
    /** No such execution (never started, or aged out of Step Functions' history). */
    String GONE = "GONE";

    /**
     * {@link #RUNNING}, {@link #GONE} or the terminal status ({@code SUCCEEDED}, {@code FAILED},
     * {@code TIMED_OUT}, {@code ABORTED}). When unsure (denied, throttled), {@link #RUNNING}: a place is
     * only taken from an execution known to have ended.
     */
    String status(String executionArn);
}
