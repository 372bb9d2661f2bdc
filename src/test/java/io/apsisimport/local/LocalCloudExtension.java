package io.apsisimport.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The end-to-end tests' environment, one JUnit 5 extension for all of them: the APSIS One
 * simulator, a {@link LocalCloud} on it (moto, the functions in the Lambda runtime) and the routes,
 * started before the tests and closed after them (the cloud first: its close scans the logs and
 * histories for secrets and fails the class or test when it finds one), and the S3 look-ups the
 * tests share.
 *
 * <p>Its lifetime is the field's, as JUnit registers it:
 * <ul>
 *   <li>{@code @RegisterExtension static final LocalCloudExtension env = LocalCloudExtension.of(…)}:
 *       one simulator and cloud for the class (started before its {@code @BeforeAll} methods, closed
 *       after its {@code @AfterAll} methods);</li>
 *   <li>{@code @RegisterExtension final LocalCloudExtension env = LocalCloudExtension.perTest()}: a
 *       simulator and cloud of the test's own, started by the test ({@link #start}) with its own
 *       settings, closed after it.</li>
 * </ul>
 * Nothing is shared between classes: each class (or test) has its own moto, functions and run
 * directory, as before this extension. It belongs to the local-cloud tier: the classes using it are
 * {@link LocalCloudTest}s.
 */
public final class LocalCloudExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApsisSimulator.Config simulator;
    private final UnaryOperator<LocalCloud.Options> options;
    private final String routes;
    private boolean perClass;
    private ApsisSimulator sim;
    private LocalCloud cloud;

    private LocalCloudExtension(
            ApsisSimulator.Config simulator, UnaryOperator<LocalCloud.Options> options, String routes) {
        this.simulator = simulator;
        this.options = options;
        this.routes = routes;
    }

    /** One simulator (with {@code simulator}'s settings) and one cloud for the class, with the default options and no routes yet. */
    public static LocalCloudExtension of(ApsisSimulator.Config simulator) {
        return new LocalCloudExtension(simulator, o -> o, null);
    }

    /** Nothing starts by itself: each test calls {@link #start} with its settings; closed after the test. */
    public static LocalCloudExtension perTest() {
        return new LocalCloudExtension(null, null, null);
    }

    /** The cloud's options, from {@code LocalCloud.Options.defaults(sim)}. */
    public LocalCloudExtension options(UnaryOperator<LocalCloud.Options> cloudOptions) {
        return new LocalCloudExtension(simulator, cloudOptions, routes);
    }

    /** routes.json as put before the first test. */
    public LocalCloudExtension routes(String routesJson) {
        return new LocalCloudExtension(simulator, options, routesJson);
    }

    /** {@code LocalImport}'s demo routes: every key under {@code prefix} to the demo section. */
    public LocalCloudExtension defaultRoutes(String prefix) {
        return routes(LocalImport.defaultRoutes(prefix));
    }

    /**
     * Starts a simulator and a cloud (for a {@link #perTest()} extension; at most once per test);
     * {@code routesJson} may be null (none put).
     */
    public void start(
            ApsisSimulator.Config simConfig, UnaryOperator<LocalCloud.Options> cloudOptions, String routesJson) {
        if (sim != null || cloud != null) {
            throw new IllegalStateException("the local cloud has started already");
        }
        sim = ApsisSimulator.start(simConfig);
        cloud = LocalCloud.start(cloudOptions.apply(LocalCloud.Options.defaults(sim)));
        if (routesJson != null) {
            cloud.putRoutes(routesJson);
        }
    }

    public ApsisSimulator sim() {
        if (sim == null) {
            throw new IllegalStateException("the local cloud has not started");
        }
        return sim;
    }

    public LocalCloud cloud() {
        if (cloud == null) {
            throw new IllegalStateException("the local cloud has not started");
        }
        return cloud;
    }

    // ---------------------------------------------------------------- what the tests share

    /** Whether the landing bucket holds {@code key} (a HEAD request). */
    public boolean exists(String key) {
        try {
            cloud().s3().headObject(b -> b.bucket(cloud.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The landing bucket's object {@code key}. */
    public byte[] bytes(String key) {
        return cloud().s3()
                .getObjectAsBytes(b -> b.bucket(cloud.bucket()).key(key))
                .asByteArray();
    }

    /** The landing bucket's object {@code key}, read as JSON (a report, say). */
    public JsonNode json(String key) {
        try {
            return JSON.readTree(bytes(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- JUnit callbacks

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        if (simulator != null) {
            start(simulator, options, routes);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // Per class: started in beforeAll. Per test: of(…) on an instance field starts here;
        // perTest() when its test says how.
        if (!perClass && simulator != null) {
            start(simulator, options, routes);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    private void close() {
        LocalCloud c = cloud;
        ApsisSimulator s = sim;
        cloud = null;
        sim = null;
        try {
            if (c != null) {
                c.close();
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }
}
