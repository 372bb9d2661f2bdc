package io.apsisimport.lambda;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart runtime hooks of one owner (a {@link Wiring}, a handler), registered as a CRaC
 * {@link Resource}: Lambda's Java runtime runs {@code beforeCheckpoint} once init is done, before it
 * takes the snapshot of a published version, and {@code afterRestore} in every execution environment
 * restored from that snapshot. Without SnapStart (or outside Lambda) neither runs.
 *
 * <ul>
 *   <li>{@link #prime}: work a first invocation would otherwise pay for (class loading, Jackson's
 *       serializers), done before the snapshot. Never a network call: a connection opened now
 *       would be stale in every restored environment. A failing action is logged and skipped: it
 *       must not fail the version's publication.
 *   <li>{@link #onRestore}: what must differ between environments (the jitter's seed).
 * </ul>
 *
 * <p>The CRaC context holds resources weakly: the owner keeps its hooks in a field.
 */
final class SnapStartHooks implements Resource {

    /** A hook's work. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    private final List<Action> beforeCheckpoint = new CopyOnWriteArrayList<>();
    private final List<Action> afterRestore = new CopyOnWriteArrayList<>();

    private SnapStartHooks() {}

    /** Hooks registered with Lambda's CRaC context (a no-op registration outside Lambda). */
    static SnapStartHooks register() {
        return register(Core.getGlobalContext());
    }

    static SnapStartHooks register(Context<Resource> context) {
        var hooks = new SnapStartHooks();
        context.register(hooks);
        return hooks;
    }

    SnapStartHooks prime(Action action) {
        beforeCheckpoint.add(action);
        return this;
    }

    SnapStartHooks onRestore(Action action) {
        afterRestore.add(action);
        return this;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        for (Action a : beforeCheckpoint) {
            try {
                a.run();
            } catch (Exception e) {
                Log.warn(
                        null,
                        "priming before the snapshot failed; the first invocation will do that work",
                        "errorType",
                        e.getClass().getName(),
                        "errorMessage",
                        e.getMessage());
            }
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws Exception {
        for (Action a : afterRestore) {
            a.run();
        }
    }
}
