package io.apsisimport.handler;

// Child-JVM test: PreflightFile's scan and UploadPart's relay, the real handlers wired from the
// environment as in Lambda, read a 160 MB file (parts of up to 50,000,000 bytes) from moto's S3
// with a 32 MB heap, so a part (or the file) read into memory would fail with OutOfMemoryError.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.UploadPartInput;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.local.MotoServer;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;

@io.apsisimport.local.LocalCloudTest
class ConstantMemoryHandlersTest {
    static final long FILE_BYTES = 160_000_000L;
    static final long HEAP_BYTES = 32L * 1024 * 1024;
    static final String BUCKET = "landing";
    static final String KEY = "inbox/big.csv";
    static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:big";
    static final String TABLE = "slots";

    @TempDir
    static Path dir;

    static Path file;
    static MotoServer moto;
    static S3Client s3;
    static DynamoDbClient ddb;

    @BeforeAll
    static void landTheFile() throws IOException {
        file = dir.resolve("big.csv");
        writeCsv(file, FILE_BYTES);
        moto = MotoServer.start(0);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        ddb = DynamoDbClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        s3.createBucket(b -> b.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        s3.putObject(b -> b.bucket(BUCKET).key("config/routes.json"), RequestBody.fromString("""
        {"routes": [{"name": "big", "match": "inbox/*.csv", "section": "s",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                          "field_selector": "email"}}}]}"""));
        s3.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromFile(file));
        ddb.createTable(b -> b.tableName(TABLE)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder()
                                .attributeName("pk")
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName("sk")
                                .attributeType(ScalarAttributeType.S)
                                .build())
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName("pk")
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName("sk")
                                .keyType(KeyType.RANGE)
                                .build()));
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
            ddb.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    /** What template.yaml gives the functions, pointed at moto. */
    static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("SLOTS_TABLE", TABLE);
        env.put("ROUTES_KEY", "config/routes.json");
        env.put("MAX_PART_BYTES", "50000000");
        return env;
    }

    @Test
    void preflightScansA160MegabyteFileWithA32MegabyteHeap() throws Exception {
        ObjectNode input = JsonHandler.JSON
                .createObjectNode()
                .put("executionArn", EXECUTION)
                .put("maxConcurrentImports", 3);
        input.putObject("file").put("bucket", BUCKET).put("key", KEY);
        JsonNode out = runChild(PreflightFileHandler.class, input);

        assertEquals(FILE_BYTES, out.get("bytes").asLong());
        assertEquals(
                ",", out.get("delimiter").asText()); // (the columns stay out of the state: it is limited to 256 KB)
        JsonNode parts = out.get("parts");
        assertEquals(4, parts.size(), parts.toString());
        long rows = 0;
        for (JsonNode part : parts) {
            assertTrue(part.get("bytes").asLong() <= 50_000_000L, part.toString());
            rows += part.get("rows").asLong();
        }
        assertEquals(out.get("rows").asLong(), rows);
        assertEquals(countLines(file) - 1, rows);
    }

    @Test
    void uploadPartRelaysA50MegabytePartFromS3WithA32MegabyteHeap() throws Exception {
        var env = environment();
        SlotsConfig slotsConfig = SlotsConfig.fromEnvironment(env);
        var slots = new ImportSlots(ddb, arn -> true, slotsConfig, Clock.systemUTC(), new SplittableRandom(1));
        var scan = io.apsisimport.csv.CsvScanner.scan(
                Files.newInputStream(file), new io.apsisimport.csv.ScanOptions(50_000_000L, java.util.Set.of("email")));
        var header = new HeaderRef(scan.header().bomLength(), scan.header().line().length);
        var p = scan.parts().get(1); // a full part from the middle of the file
        var part = new PartPlan(
                p.index(),
                p.start(),
                p.end(),
                p.firstRow(),
                p.rows(),
                p.size(scan.header()),
                PartPlan.executionName(EXECUTION, p.index()));
        assertTrue(part.bytes() > 49_000_000L && part.bytes() <= 50_000_000L, part.toString());

        try (ApsisSimulator sim = ApsisSimulator.start(ApsisSimulator.Config.defaults())) {
            var owner = new SlotOwner(EXECUTION, part.index());
            assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner, Instant.now(), 0));
            ImportTicket ticket = new ApsisClient(
                            sim.baseUrl(),
                            new ApsisCredentials("demo-client", "demo-secret"),
                            ApsisClient.Options.defaults())
                    .requestImport(
                            "s",
                            JsonHandler.JSON.readTree(
                                    "{\"keyspace_mapping\":{\"keyspace_discriminator\":\"k\",\"field_selector\":\"email\"}}"));
            slots.attachImport(owner, ticket.importId(), ticket.expiresAt(), ticket.toJson());

            var input = new UploadPartInput(
                    BUCKET, KEY, null, null, EXECUTION, part, scan.parts().size(), header, ticket.importId());
            JsonNode out = runChild(UploadPartHandler.class, JsonHandler.JSON.valueToTree(input));

            assertEquals(part.bytes(), out.get("bytes").asLong());
            assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
            ApsisSimulator.Upload upload =
                    sim.importState(ticket.importId()).orElseThrow().upload();
            assertEquals(part.bytes(), upload.size());
            assertEquals(
                    sha256(file, List.of(new long[] {header.offset(), header.offset() + header.length()}, new long[] {
                        part.start(), part.end()
                    })),
                    upload.sha256());
            assertEquals(List.of("email", "name", "score"), upload.header());
            assertEquals(part.rows(), upload.records());
        }
    }

    /** Runs the handler in a JVM with a {@link #HEAP_BYTES} heap; returns its output, after checking the heap. */
    private JsonNode runChild(Class<?> handler, JsonNode input) throws Exception {
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
                        handler.getName(),
                        inputFile.toString())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("APSIS_"));
        builder.environment().putAll(environment());
        Process child = builder.start();
        child.getOutputStream().close();
        String text;
        try (InputStream out = child.getInputStream()) {
            text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, child.exitValue(), text);
        long max = Long.parseLong(text.replaceAll("(?s).*HEAP max=(\\d+).*", "$1"));
        long peak = Long.parseLong(text.replaceAll("(?s).*HEAP max=\\d+ peak=(\\d+).*", "$1"));
        System.out.println(
                handler.getSimpleName() + " in a child JVM: heap limit " + max + " bytes, peak use " + peak + " bytes");
        assertTrue(max <= HEAP_BYTES, "child heap " + max);
        assertTrue(peak < 50_000_000L, "peak heap " + peak);
        return JsonHandler.JSON.readTree(text.replaceAll("(?s).*OUTPUT ([^\\n]*)\\n.*", "$1"));
    }

    /** header, then rows {@code user<n>@example.com,"Name, <n>",<n mod 97>}, cut at {@code size} bytes after a full row. */
    static void writeCsv(Path path, long size) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            byte[] header = "email,name,score\n".getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            long written = header.length;
            for (long n = 1; written < size; n++) {
                byte[] row = ("user" + n + "@example.com,\"Name, " + n + "\"," + (n % 97) + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                if (written + row.length > size) {
                    // pad the last row's name so the file ends on a record boundary at exactly `size`
                    int pad = (int) (size - written) - ("u@x," + "\"\",0\n").length();
                    row = ("u@x,\"" + "a".repeat(Math.max(0, pad)) + "\",0\n").getBytes(StandardCharsets.US_ASCII);
                }
                out.write(row);
                written += row.length;
            }
        }
    }

    static long countLines(Path path) throws IOException {
        long lines = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return lines;
    }

    static String sha256(Path path, List<long[]> ranges) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            for (long[] r : ranges) {
                f.seek(r[0]);
                long left = r[1] - r[0];
                while (left > 0) {
                    int n = f.read(buf, 0, (int) Math.min(buf.length, left));
                    sha.update(buf, 0, n);
                    left -= n;
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
