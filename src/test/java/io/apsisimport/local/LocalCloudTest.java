package io.apsisimport.local;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) of the local-cloud tier: it needs moto, the Lambda runtime
 * (RIC under RIE), the pinned Python tooling or Docker. `mvn test` (the fast tier, Surefire)
 * leaves it out; `mvn verify` (bin/test) runs it in Failsafe. {@link Tier} makes an untagged test
 * that starts any of these fail in the fast tier, so none lands there by mistake.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("local-cloud")
public @interface LocalCloudTest {}
