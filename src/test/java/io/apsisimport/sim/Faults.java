package io.apsisimport.sim;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/**
 * Fault injection, changeable while the simulator runs:
 * {@code sim.faults().on(Endpoint.REQUEST_IMPORT).call(2).respond(503)},
 * {@code sim.faults().on(Endpoint.IMPORT_STATUS).next().delay(Duration.ofSeconds(2))},
 * {@code sim.faults().on(Endpoint.UPLOAD).always().drop()},
 * {@code sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing()},
 * {@code sim.faults().on(Endpoint.UPLOAD).next().dropWhileReceiving(1 << 20)}.
 * Calls are numbered per endpoint from 1, counting every call the simulator received.
 */
public final class Faults {

    /** What a fault does instead of (or before) the normal answer. */
    public sealed interface Action
            permits Respond, Delay, Drop, DropWhileReceiving, DropAfterReceiving, DropAfterActing {}

    /** Answer with this status, body and headers instead of the normal answer. */
    public record Respond(int status, String body, Map<String, String> headers) implements Action {}

    /** Wait this long, then answer normally (the request is processed after the wait). */
    public record Delay(Duration delay) implements Action {}

    /** Close the connection without answering (the request is not processed). */
    public record Drop() implements Action {}

    /**
     * Read the first {@code bytes} of the request body, then close the connection with the rest
     * unread (the request is not processed): a connection lost in the middle of a large upload. The
     * client sees its write fail once the socket buffers between them are full, so the body must be
     * larger than those (a few MiB on loopback) for it to notice before it has sent everything.
     */
    public record DropWhileReceiving(long bytes) implements Action {}

    /**
     * Read the whole request, then close the connection without acting on it or answering: the
     * client has sent everything and cannot tell this from {@link DropAfterActing}.
     */
    public record DropAfterReceiving() implements Action {}

    /**
     * Process the request (issue the token, create the import, take the upload), then close the
     * connection without answering: what a client sees when the answer is lost on the way back.
     */
    public record DropAfterActing() implements Action {}

    private record Spec(Endpoint endpoint, long fromCall, long toCall, Action action) {}

    private final List<Spec> specs = new CopyOnWriteArrayList<>();
    private final ToIntFunction<Endpoint> callsSoFar;

    Faults(ToIntFunction<Endpoint> callsSoFar) {
        this.callsSoFar = callsSoFar;
    }

    public Rule on(Endpoint endpoint) {
        return new Rule(endpoint);
    }

    public void clear() {
        specs.clear();
    }

    /** The action for call number {@code call} of {@code endpoint}, or null. */
    Action actionFor(Endpoint endpoint, long call) {
        for (Spec s : specs) {
            if (s.endpoint() == endpoint && call >= s.fromCall() && call <= s.toCall()) {
                return s.action();
            }
        }
        return null;
    }

    /** Which calls a fault applies to, then what it does. */
    public final class Rule {
        private final Endpoint endpoint;
        private long from;
        private long to;

        private Rule(Endpoint endpoint) {
            this.endpoint = endpoint;
            next();
        }

        /** The n-th call of the endpoint since the simulator started (1-based). */
        public Rule call(long n) {
            return calls(n, n);
        }

        /** Calls {@code first..last} (inclusive, 1-based). */
        public Rule calls(long first, long last) {
            this.from = first;
            this.to = last;
            return this;
        }

        /** The next call after the ones already received. */
        public Rule next() {
            return nextCalls(1);
        }

        /** The next {@code n} calls after the ones already received. */
        public Rule nextCalls(int n) {
            long done = callsSoFar.applyAsInt(endpoint);
            return calls(done + 1, done + n);
        }

        /** Every call from the next one on. */
        public Rule always() {
            long done = callsSoFar.applyAsInt(endpoint);
            return calls(done + 1, Long.MAX_VALUE);
        }

        public void respond(int status) {
            respond(status, "{\"message\":\"simulated fault " + status + "\"}");
        }

        public void respond(int status, String body) {
            respond(status, body, Map.of());
        }

        public void respond(int status, String body, Map<String, String> headers) {
            add(new Respond(status, body, Map.copyOf(headers)));
        }

        public void delay(Duration delay) {
            add(new Delay(delay));
        }

        /** The request never gets through: the connection closes before it is processed. */
        public void drop() {
            add(new Drop());
        }

        /** The connection closes after {@code bytes} of the request body, before it is processed. */
        public void dropWhileReceiving(long bytes) {
            add(new DropWhileReceiving(bytes));
        }

        /** The whole request is read, then the connection closes: not acted on, not answered. */
        public void dropAfterReceiving() {
            add(new DropAfterReceiving());
        }

        /** The request gets through and is acted on; the connection closes before the answer. */
        public void dropAfterActing() {
            add(new DropAfterActing());
        }

        private void add(Action action) {
            // Newest rule first, so a later rule overrides an earlier one for the same call.
            specs.add(0, new Spec(endpoint, from, to, action));
        }
    }
}
