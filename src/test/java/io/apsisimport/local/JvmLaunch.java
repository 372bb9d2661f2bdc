package io.apsisimport.local;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The java command of an execution environment, mirroring how the managed java21 runtime launches
 * the JVM (its bootstrap, as seen in the process list of deployed functions):
 *
 * <pre>
 * java -XX:MaxHeapSize=&lt;85% of MemorySize&gt;k -XX:+UseSerialGC -Xshare:on -XX:SharedArchiveFile=…
 *      -XX:+TieredCompilation -XX:TieredStopAtLevel=1 --add-opens=java.base/java.io=ALL-UNNAMED
 *      -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac -Djava.net.preferIPv4Stack=true
 *      -XX:+ErrorFileToStderr -D…NativeClient.JNI=/var/runtime/lib/jni/… -classpath /var/runtime/lib/…
 *      AWSLambda &lt;handler&gt;
 * </pre>
 *
 * The function's code is not on that classpath: the RIC loads it from the working directory (the
 * task root) and its lib/*.jar in a class loader of its own. JAVA_TOOL_OPTIONS are read by the JVM
 * itself. What differs here is listed in docs/local-runtime.md.
 */
final class JvmLaunch {
    private JvmLaunch() {}

    static List<String> command(Path java, List<Path> runtimeClasspath, Path jniLibrary, FunctionConfig fn) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(flags(fn.memoryMb(), fn.javaToolOptions()));
        cmd.add("-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=" + jniLibrary);
        cmd.add("-classpath");
        cmd.add(runtimeClasspath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        cmd.add(LambdaRuntime.RIC_MAIN);
        cmd.add(fn.handler());
        return cmd;
    }

    static List<String> flags(int memoryMb, String javaToolOptions) {
        List<String> flags = new ArrayList<>();
        flags.add("-XX:MaxHeapSize=" + maxHeapKb(memoryMb) + "k");
        flags.add("-XX:+UseSerialGC");
        // AWS ships its own CDS archive (-Xshare:on -XX:SharedArchiveFile=…); here the JDK's default one.
        flags.add("-Xshare:auto");
        // The runtime's C1-only default. HotSpot lets the command line win over JAVA_TOOL_OPTIONS, and
        // AWS documents JAVA_TOOL_OPTIONS as the way to change the tiered compilation level, so the
        // default is left out when a function's JAVA_TOOL_OPTIONS set it (docs/local-runtime.md).
        if (!javaToolOptions.contains("TieredCompilation") && !javaToolOptions.contains("TieredStopAtLevel")) {
            flags.add("-XX:+TieredCompilation");
            flags.add("-XX:TieredStopAtLevel=1");
        }
        flags.add("--add-opens=java.base/java.io=ALL-UNNAMED");
        flags.add("-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac");
        flags.add("-Djava.net.preferIPv4Stack=true");
        flags.add("-XX:+ErrorFileToStderr");
        // Local only: the JDK here may be newer than 21 and warn about the RIC's JNI loading.
        flags.add("--enable-native-access=ALL-UNNAMED");
        return flags;
    }

    /** 85% of the function's memory, in KiB, as the managed runtime computes it. */
    static long maxHeapKb(int memoryMb) {
        return (long) Math.floor(memoryMb * 1024L * 0.85);
    }
}
