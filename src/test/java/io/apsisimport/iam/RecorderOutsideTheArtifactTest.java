package io.apsisimport.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

// Build test: the AWS call recorder and its global interceptor file are test tooling; the Lambda
// artifact (target/classes plus the runtime jars, what `sam build` ships) holds neither.
class RecorderOutsideTheArtifactTest {
    private static final String INTERCEPTORS = "software/amazon/awssdk/global/handlers/execution.interceptors";

    @Test
    void theRecorderIsOnTheTestClasspathOnly() throws IOException {
        assertTrue(Files.exists(Path.of("target/test-classes").resolve(INTERCEPTORS)));
        assertFalse(Files.exists(Path.of("target/classes").resolve(INTERCEPTORS)));
        try (Stream<Path> main = Files.walk(Path.of("target/classes"))) {
            assertEquals(
                    List.of(),
                    main.filter(p -> p.toString().contains("io/apsisimport/iam"))
                            .toList());
        }
        String runtimeClasspath = Files.readString(Path.of("target/lambda-runtime-classpath.txt"));
        assertFalse(runtimeClasspath.contains("test-classes"), runtimeClasspath);
    }
}
