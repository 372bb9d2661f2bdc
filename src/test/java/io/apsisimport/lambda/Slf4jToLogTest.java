package io.apsisimport.lambda;

// The functions' SLF4J provider: found by SLF4J's ServiceLoader (so SLF4J prints no plain-text
// "no providers" warning at init), and silent outside a Lambda runtime.

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class Slf4jToLogTest {
    @Test
    void theSdksLoggersAreOurs() {
        var logger = LoggerFactory.getLogger("software.amazon.awssdk.request");
        assertInstanceOf(Slf4jToLog.JsonLogger.class, logger);
        assertFalse(logger.isDebugEnabled(), "the SDK's DEBUG describes every request: off");
        assertFalse(logger.isInfoEnabled());
        // No AWS_LAMBDA_RUNTIME_API here: nothing is written (stdout of tools carries contracts of its own).
        assertFalse(logger.isWarnEnabled());
    }
}
