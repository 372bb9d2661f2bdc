package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.crac.Core;
import com.amazonaws.services.lambda.crac.Resource;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A function with CRaC hooks (registered with the runtime's own context, which org.crac delegates to
 * on Lambda), for the tests of the local runtime: it answers which hooks ran, in order.
 */
public final class SnapStartProbeHandler implements RequestStreamHandler, Resource {
    private final List<String> hooks = new CopyOnWriteArrayList<>();

    public SnapStartProbeHandler() {
        Core.getGlobalContext().register(this);
    }

    @Override
    public void beforeCheckpoint(com.amazonaws.services.lambda.crac.Context<? extends Resource> context) {
        hooks.add("beforeCheckpoint");
    }

    @Override
    public void afterRestore(com.amazonaws.services.lambda.crac.Context<? extends Resource> context) {
        hooks.add("afterRestore");
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
        out.write(("{\"hooks\":["
                        + String.join(
                                ",", hooks.stream().map(h -> "\"" + h + "\"").toList()) + "]}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
