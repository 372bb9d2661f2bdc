package io.apsisimport.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lambda's context for an invocation run by the SnapStart priming ({@link JsonHandler#primeInvocation}):
 * made-up ids, a minute to go, and a logger that builds nothing into the function's log: the lines
 * are counted and dropped (a priming invocation's "import started" or metrics line would otherwise
 * reach CloudWatch as if a file had been handled).
 */
final class PrimingContext implements Context {
    private final String functionName;
    /** Lines the priming invocation logged (and that were dropped). */
    final AtomicInteger lines = new AtomicInteger();

    private final LambdaLogger dropping = new LambdaLogger() {
        @Override
        public void log(String message) {
            lines.incrementAndGet();
        }

        @Override
        public void log(byte[] message) {
            lines.incrementAndGet();
        }

        @Override
        public void log(byte[] message, LogLevel level) {
            lines.incrementAndGet();
        }
    };

    PrimingContext(String functionName) {
        this.functionName = functionName;
    }

    @Override
    public String getAwsRequestId() {
        return "priming";
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "priming";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:eu-west-1:000000000000:function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return 60_000;
    }

    @Override
    public int getMemoryLimitInMB() {
        return 512;
    }

    @Override
    public LambdaLogger getLogger() {
        return dropping;
    }
}
