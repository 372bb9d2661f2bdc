package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The smallest Java function: the baseline bench/coldstart measures every function against (run
 * the same way, in the same run). It reads its input and answers a constant.
 */
public final class HelloWorldHandler implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
        out.write("{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8));
    }
}
