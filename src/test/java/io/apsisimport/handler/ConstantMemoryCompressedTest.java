package io.apsisimport.handler;

// Child-JVM test: PreflightFile, wired from the environment as in Lambda, decompresses a .csv.gz of
// a 160 MB CSV (and a .zip of a 60 MB one) from moto's S3, scans it and writes the CSV to its work
// object, all with a 32 MB heap: the file, a part or the work object held in memory would fail
// with OutOfMemoryError.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.local.MotoServer;
import io.apsisimport.source.WorkObjects;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

@io.apsisimport.local.LocalCloudTest
class ConstantMemoryCompressedTest {
    static final long HEAP_BYTES = 32L * 1024 * 1024;
    static final String BUCKET = "landing";
    static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";

    @TempDir
    static Path dir;

    static MotoServer moto;
    static S3Client s3;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        s3.createBucket(b -> b.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        s3.putObject(b -> b.bucket(BUCKET).key("config/routes.json"), RequestBody.fromString("""
        {"routes": [{"name": "big", "match": "inbox/**", "section": "s",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                          "field_selector": "email"}}}]}"""));
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void a160MegabyteCsvInAGzipIsDecompressedScannedAndCopiedWithA32MegabyteHeap() throws Exception {
        Path csv = dir.resolve("big.csv");
        ConstantMemoryHandlersTest.writeCsv(csv, 160_000_000L);
        Path gz = dir.resolve("big.csv.gz");
        try (InputStream in = Files.newInputStream(csv);
                OutputStream out =
                        new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(gz), 1 << 20), 1 << 16) {
                            {
                                def.setLevel(Deflater.BEST_SPEED);
                            }
                        }) {
            in.transferTo(out);
        }
        checkPreflight(csv, gz, "inbox/big.csv.gz", 4);
    }

    @Test
    void a60MegabyteCsvInAZipIsDecompressedScannedAndCopiedWithA32MegabyteHeap() throws Exception {
        Path csv = dir.resolve("zipped.csv");
        ConstantMemoryHandlersTest.writeCsv(csv, 60_000_000L);
        Path zip = dir.resolve("zipped.zip");
        try (InputStream in = Files.newInputStream(csv);
                var out = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(zip), 1 << 20))) {
            out.setLevel(Deflater.BEST_SPEED);
            out.putNextEntry(new ZipEntry("zipped.csv"));
            in.transferTo(out);
            out.closeEntry();
        }
        checkPreflight(csv, zip, "inbox/zipped.zip", 2);
    }

    private void checkPreflight(Path csv, Path compressed, String key, int parts) throws Exception {
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromFile(compressed));
        String execution = EXECUTION + key.replaceAll("[^A-Za-z0-9]", "_");
        ObjectNode input = JsonHandler.JSON
                .createObjectNode()
                .put("executionArn", execution)
                .put("maxConcurrentImports", 3);
        input.putObject("file").put("bucket", BUCKET).put("key", key);
        JsonNode out = runChild(input);

        long size = Files.size(csv);
        assertEquals(size, out.get("bytes").asLong());
        assertEquals(
                Files.size(compressed), out.at("/compressed/compressed_bytes").asLong());
        assertEquals(size, out.at("/compressed/decompressed_bytes").asLong());
        assertEquals(
                ",", out.get("delimiter").asText()); // (the columns stay out of the state: it is limited to 256 KB)
        assertEquals(parts, out.get("parts").size(), out.get("parts").toString());
        assertEquals(
                ConstantMemoryHandlersTest.countLines(csv) - 1, out.get("rows").asLong());
        String workKey = WorkObjects.keyFor(execution, key);
        assertEquals(workKey, out.get("readKey").asText());
        assertEquals(size, s3.headObject(b -> b.bucket(BUCKET).key(workKey)).contentLength());
        try (InputStream work = s3.getObject(b -> b.bucket(BUCKET).key(workKey));
                InputStream source = Files.newInputStream(csv)) {
            assertEquals(sha256(source), sha256(work), "the work object is the CSV, byte for byte");
        }
    }

    /** Runs PreflightFile in a JVM with a {@link #HEAP_BYTES} heap; returns its output, after checking the heap. */
    private JsonNode runChild(JsonNode input) throws Exception {
        Path inputFile = Files.createTempFile(dir, "input", ".json");
        Files.writeString(inputFile, input.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var builder = new ProcessBuilder(
                        java,
                        "-Xmx" + HEAP_BYTES / (1024 * 1024) + "m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        HandlerChild.class.getName(),
                        PreflightFileHandler.class.getName(),
                        inputFile.toString())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("APSIS_"));
        builder.environment()
                .putAll(Map.of(
                        "AWS_ENDPOINT_URL",
                        moto.endpoint().toString(),
                        "AWS_REGION",
                        "eu-west-1",
                        "AWS_ACCESS_KEY_ID",
                        "test",
                        "AWS_SECRET_ACCESS_KEY",
                        "test",
                        "ROUTES_KEY",
                        "config/routes.json",
                        "MAX_PART_BYTES",
                        "50000000",
                        "MAX_DECOMPRESSED_BYTES",
                        "5000000000",
                        "MAX_COMPRESSION_RATIO",
                        "100"));
        Process child = builder.start();
        child.getOutputStream().close();
        String text;
        try (InputStream out = child.getInputStream()) {
            text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(child.waitFor(300, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, child.exitValue(), text);
        long max = Long.parseLong(text.replaceAll("(?s).*HEAP max=(\\d+).*", "$1"));
        long peak = Long.parseLong(text.replaceAll("(?s).*HEAP max=\\d+ peak=(\\d+).*", "$1"));
        System.out.println("PreflightFileHandler (" + input.at("/file/key").asText() + ") in a child JVM: heap limit "
                + max + " bytes, peak use " + peak + " bytes");
        assertTrue(max <= HEAP_BYTES, "child heap " + max);
        return JsonHandler.JSON.readTree(text.replaceAll("(?s).*OUTPUT ([^\\n]*)\\n.*", "$1"));
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
