package io.apsisimport.handler;

import io.apsisimport.lambda.JsonHandler;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-process entry point for {@link ConstantMemoryHandlersTest}: {@code HandlerChild <handler class>
 * <input.json>} runs that handler as Lambda does (no-arg constructor wiring from the process
 * environment, JSON in, JSON out), then prints {@code OUTPUT <json>} and
 * {@code HEAP max=<bytes> peak=<bytes>} (the heap's limit, and the most it held).
 */
public final class HandlerChild {

    public static void main(String[] args) throws Exception {
        var handler = (JsonHandler<?, ?>)
                Class.forName(args[0]).getDeclaredConstructor().newInstance();
        var out = new ByteArrayOutputStream();
        try (var in = Files.newInputStream(Path.of(args[1]))) {
            handler.handleRequest(in, out, null);
        }
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
        System.out.println("OUTPUT " + out.toString(StandardCharsets.UTF_8));
        System.out.println("HEAP max=" + Runtime.getRuntime().maxMemory() + " peak=" + peak);
    }
}
