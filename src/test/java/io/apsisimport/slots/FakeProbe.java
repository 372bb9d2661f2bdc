package io.apsisimport.slots;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Executions are running until the test says they stopped; counts the calls. */
final class FakeProbe implements ExecutionProbe {
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    final AtomicInteger calls = new AtomicInteger();

    void stop(String executionArn) {
        stopped.add(executionArn);
    }

    @Override
    public boolean isRunning(String executionArn) {
        calls.incrementAndGet();
        return !stopped.contains(executionArn);
    }
}
