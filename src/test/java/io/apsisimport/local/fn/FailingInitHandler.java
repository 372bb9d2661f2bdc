package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;

/** A function whose init phase fails (its constructor throws), for the tests of the local runtime. */
public final class FailingInitHandler implements RequestStreamHandler {
    public FailingInitHandler() {
        throw new IllegalStateException("init failed on purpose");
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) {
        throw new AssertionError("never reached");
    }
}
