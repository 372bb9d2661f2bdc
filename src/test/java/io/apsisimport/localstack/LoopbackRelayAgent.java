package io.apsisimport.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A Java agent for the Lambda JVMs of {@link PipelineLocalStackTest} only (it is never part of the
 * Lambda artifact): listens on 127.0.0.1:PORT inside the function's container and relays every
 * connection to HOST:TARGET_PORT, where the APSIS One simulator of the test is reachable.
 *
 * <p>Why: the simulator hands out upload URLs on its own loopback address, and the uploader only
 * accepts plain http to loopback hosts (https everywhere else). With this relay, the function sees
 * the simulator at the same loopback address as in every other test, and the production check
 * stays as it is. Argument: {@code PORT=HOST:TARGET_PORT}, set through JAVA_TOOL_OPTIONS
 * ({@code -javaagent:/var/task/loopback-relay.jar=PORT=HOST:TARGET_PORT}).
 */
public final class LoopbackRelayAgent {
    private LoopbackRelayAgent() {}

    public static void premain(String args) throws IOException {
        String[] listenAndTarget = args.split("=", 2);
        int listenPort = Integer.parseInt(listenAndTarget[0]);
        int colon = listenAndTarget[1].lastIndexOf(':');
        String host = listenAndTarget[1].substring(0, colon);
        int port = Integer.parseInt(listenAndTarget[1].substring(colon + 1));
        ServerSocket server = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
        daemon("loopback-relay", () -> {
            while (true) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(host, port);
                    daemon("loopback-relay-up", () -> pump(client, upstream));
                    daemon("loopback-relay-down", () -> pump(upstream, client));
                } catch (IOException e) {
                    System.err.println("loopback relay: " + e);
                }
            }
        });
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            out.flush();
            to.shutdownOutput();
        } catch (IOException closed) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
