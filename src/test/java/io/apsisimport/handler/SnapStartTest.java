package io.apsisimport.handler;

// Unit tests of the SnapStart hooks: what Wiring and the handlers register with the CRaC context, run
// the way Lambda's runtime runs them (beforeCheckpoint once after init, afterRestore in every
// environment restored from the snapshot), against loopback servers that count any request.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.sun.net.httpserver.HttpServer;
import io.apsisimport.apsis.Jitter;
import io.apsisimport.template.TemplateModel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.crac.Context;
import org.crac.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapStartTest {
  private HttpServer counting;
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    counting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    counting.createContext("/", exchange -> {
      requests.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    counting.start();
  }

  @AfterEach
  void stop() {
    counting.stop(0);
  }

  @Test
  void environmentsRestoredFromOneSnapshotDrawDifferentJitter() throws Exception {
    // Two environments restored from one snapshot: the same generator state, captured at init.
    var first = new RecordingContext();
    var second = new RecordingContext();
    Wiring a = new Wiring(new Env(env()), first, new Jitter(42));
    Wiring b = new Wiring(new Env(env()), second, new Jitter(42));
    assertEquals(draws(new Jitter(42)), draws(new Jitter(42)), "the same state draws the same waits");

    first.restore();
    second.restore();

    assertNotEquals(draws(a.jitter()), draws(b.jitter()));
  }

  @Test
  void primingBeforeTheSnapshotSendsNothing() throws Exception {
    var crac = new RecordingContext();
    Wiring wiring = new Wiring(new Env(env()), crac, new Jitter());
    List<JsonHandler<?, ?>> handlers = new ArrayList<>();
    for (String handler : TemplateModel.load(Path.of("template.yaml")).functionHandlers().values()) {
      Object h = Class.forName(handler.split("::", 2)[0]).getConstructor(Wiring.class).newInstance(wiring);
      handlers.add((JsonHandler<?, ?>) h);
    }

    crac.checkpoint();
    wiring.prime(); // again, directly: a failure would only be logged by the hook
    for (JsonHandler<?, ?> h : handlers) {
      h.primeJson(); // each handler's own hook (registered with Lambda's global context)
    }

    assertEquals(0, requests.get(), "no request to AWS or APSIS before the snapshot");
  }

  private Map<String, String> env() {
    String endpoint = "http://127.0.0.1:" + counting.getAddress().getPort();
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "eu-west-1");
    env.put("AWS_ENDPOINT_URL", endpoint);
    env.put("APSIS_BASE_URL", endpoint);
    env.put("APSIS_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis-AbCdEf");
    env.put("SLOTS_TABLE", "slots");
    env.put("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:apsis-import-import");
    return env;
  }

  private static List<Long> draws(Jitter jitter) {
    return LongStream.range(0, 8).map(i -> jitter.nextLong(1_000_000)).boxed().toList();
  }

  /** Lambda's CRaC context, as its runtime drives it: hooks in reverse order before, in order after. */
  static final class RecordingContext extends Context<Resource> {
    final List<Resource> resources = new ArrayList<>();

    @Override
    public void register(Resource resource) {
      resources.add(resource);
    }

    void checkpoint() throws Exception {
      beforeCheckpoint(null);
    }

    void restore() throws Exception {
      afterRestore(null);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws org.crac.CheckpointException {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).beforeCheckpoint(this);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws org.crac.RestoreException {
      for (Resource r : resources) {
        try {
          r.afterRestore(this);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
