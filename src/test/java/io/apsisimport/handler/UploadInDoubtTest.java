package io.apsisimport.handler;

// Handler tests against moto (the real slot table, the landing bucket) and the APSIS One simulator
// (import, upload endpoint, status): "Upload file" never sends a part again while an earlier attempt
// may have delivered it, whoever repeats it (a Retry, a Lambda retry, a lost invocation answer), and
// "Did the file arrive?" (CheckImportStatus with an arrival state) decides from APSIS's status when
// it may be sent again. Time moves by a test clock.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.contract.ArrivalCheckState;
import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckOutput;
import io.apsisimport.contract.UploadPartInput;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.sim.MutableClock;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.MotoDynamo;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.upload.PresignedPostUploader;
import io.apsisimport.upload.UploadOutcomeUnknownException;
import io.apsisimport.upload.UploadTransientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

@io.apsisimport.local.LocalCloudTest
class UploadInDoubtTest {
    private static final FakeContext UPLOAD = new FakeContext("UploadPartFunction");
    private static final FakeContext CHECK = new FakeContext("CheckImportStatusFunction");
    private static final String EXECUTION =
            "arn:aws:states:eu-west-1:123456789012:execution:apsis-import-part:doubt-p001";
    private static final String BUCKET = "landing";
    private static final String KEY = "inbox/doubt.csv";
    private static final byte[] CSV = "email\na@example.com\nb@example.com\n".getBytes(StandardCharsets.UTF_8);
    private static final Duration WAIT = Duration.ofMinutes(5);

    private static MotoDynamo moto;
    private static S3Client s3;

    private ApsisSimulator sim;
    private MutableClock clock;
    private ImportSlots slots;
    private UploadPartHandler upload;
    private CheckImportStatusHandler check;
    private ImportTicket ticket;
    private final SlotOwner owner = new SlotOwner(EXECUTION, 0);

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
        s3 = S3Client.builder()
                .endpointOverride(moto.moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        s3.createBucket(b -> b.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        s3.putObject(b -> b.bucket(BUCKET).key(KEY), RequestBody.fromBytes(CSV));
    }

    @AfterAll
    static void stop() {
        s3.close();
        moto.close();
    }

    @BeforeEach
    void aPartThatHoldsItsSlotAndItsImport() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMinutes(1)));
        clock = MutableClock.startingNow();
        slots = new ImportSlots(
                moto.ddb,
                arn -> true,
                new SlotsConfig(moto.newTable(), "acct", 1, Duration.ofMinutes(15), Duration.ofHours(6)),
                clock,
                new SplittableRandom(1));
        var apsis = new ApsisClient(
                sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), ApsisClient.Options.defaults());
        upload = new UploadPartHandler(s3, slots, new PresignedPostUploader(PresignedPostUploader.Options.defaults()));
        check = new CheckImportStatusHandler(
                apsis,
                slots,
                clock,
                Duration.ofHours(6),
                new PollSchedule(Duration.ofSeconds(30)),
                new UploadArrival(WAIT));
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner, clock.instant(), 0));
        ticket = apsis.requestImport(
                "com.apsis1.sections.default",
                JsonHandler.JSON.valueToTree(Map.of(
                        "keyspace_mapping",
                        Map.of("keyspace_discriminator", "com.apsis1.keyspaces.email", "field_selector", "email"))));
        slots.attachImport(owner, ticket.importId(), ticket.expiresAt(), ticket.toJson());
    }

    @AfterEach
    void stopSim() {
        sim.close();
    }

    private UploadPartInput uploadInput() {
        var part = new PartPlan(0, 6, CSV.length, 1, 2, CSV.length, "doubt-p001");
        return new UploadPartInput(BUCKET, KEY, null, null, EXECUTION, part, 1, new HeaderRef(0, 6), ticket.importId());
    }

    private StatusCheckOutput arrivalCheck(StatusCheckOutput previous) {
        var state = previous == null
                ? new ArrivalCheckState(null, 0)
                : new ArrivalCheckState(previous.since(), previous.checks());
        return check.handle(
                new StatusCheckInput(
                        EXECUTION,
                        KEY,
                        0,
                        1,
                        "com.apsis1.sections.default",
                        ticket.importId(),
                        clock.instant().toString(),
                        null,
                        state),
                CHECK);
    }

    private int sent() {
        return sim.calls(Endpoint.UPLOAD);
    }

    @Test
    void anUploadWhoseAnswerWasLostIsNotSentAgainByARepeatAndTheCheckFindsItArrived() {
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing();
        assertThrows(UploadOutcomeUnknownException.class, () -> upload.handle(uploadInput(), UPLOAD));
        // A repeat of "Upload file" (a Lambda retry, say) sends nothing while the first attempt is in doubt.
        var repeated = assertThrows(UploadOutcomeUnknownException.class, () -> upload.handle(uploadInput(), UPLOAD));
        assertTrue(
                repeated.getMessage()
                        .startsWith("upload attempt 1 of APSIS import " + ticket.importId()
                                + " ended without a known outcome"),
                repeated.getMessage());
        assertEquals(1, sent());

        var answer = arrivalCheck(null);
        assertEquals(Boolean.TRUE, answer.arrived(), answer.toString());
        assertEquals(Boolean.FALSE, answer.resend());
        assertEquals("queued", answer.status());
        assertTrue(slots.uploadAttempts(owner).uploaded(), "the arrival is recorded on the slot");
        // From now on "Upload file" never sends it, whatever repeats it.
        var out = upload.handle(uploadInput(), UPLOAD);
        assertEquals(0, out.attempt());
        assertEquals(1, sent());
        assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
    }

    @Test
    void aFailureBeforeTheWholeRequestIsSettledAndTheNextAttemptGoes() {
        sim.faults()
                .on(Endpoint.UPLOAD)
                .next()
                .respond(503, "<Error><Code>SlowDown</Code><Message>Reduce.</Message></Error>");
        assertThrows(UploadTransientException.class, () -> upload.handle(uploadInput(), UPLOAD));
        assertFalse(
                slots.uploadAttempts(owner).inDoubt(),
                "a request refused unread is known not to have delivered the file");
        var out = upload.handle(uploadInput(), UPLOAD);
        assertEquals(2, out.attempt());
        assertEquals(CSV.length, out.bytes());
        assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
    }

    @Test
    void aFileApsisKeepsWaitingForIsSentAgainAfterTheWaitAtMostTwiceThenThePartFails() {
        // Every upload is received whole, then its connection drops: nothing is stored, nothing answered.
        sim.faults().on(Endpoint.UPLOAD).always().dropAfterReceiving();
        assertThrows(UploadOutcomeUnknownException.class, () -> upload.handle(uploadInput(), UPLOAD));

        for (int resend = 1; resend <= UploadArrival.MAX_RESENDS; resend++) {
            var first = arrivalCheck(null);
            assertEquals(Boolean.FALSE, first.arrived());
            assertEquals(Boolean.FALSE, first.resend(), "\"waiting for file\" right after the upload proves nothing");
            assertEquals(2, first.nextCheckSeconds());
            clock.advance(Duration.ofSeconds(2));
            var second = arrivalCheck(first);
            assertEquals(Boolean.FALSE, second.resend());
            assertEquals(4, second.nextCheckSeconds());
            assertEquals(first.since(), second.since());
            clock.advance(WAIT);
            var over = arrivalCheck(second);
            assertEquals(Boolean.TRUE, over.resend(), "waiting for the file for the whole wait: it did not arrive");
            assertEquals(Boolean.FALSE, over.arrived());
            assertThrows(UploadOutcomeUnknownException.class, () -> upload.handle(uploadInput(), UPLOAD));
            assertEquals(1 + resend, sent(), "sent once more, and only once");
        }
        var last = arrivalCheck(null);
        clock.advance(WAIT);
        var gaveUp = assertThrows(UploadOutcomeUnknownException.class, () -> arrivalCheck(last));
        assertTrue(
                gaveUp.getMessage()
                        .contains("the file was already sent again 2 times after such uploads: not sending"
                                + " it once more"),
                gaveUp.getMessage());
        assertEquals(1 + UploadArrival.MAX_RESENDS, sent());
        assertEquals(Map.of(), sim.uploadsPerImport());
    }

    @Test
    void aFileThatReachesApsisLateIsNotSentAgain() {
        sim.close();
        // APSIS notices the file 3 s (by its own clock) after it landed.
        sim = ApsisSimulator.start(
                ApsisSimulator.Config.defaults().clock(clock).fileNoticedAfter(Duration.ofSeconds(3)));
        var apsis = new ApsisClient(
                sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), ApsisClient.Options.defaults());
        check = new CheckImportStatusHandler(
                apsis,
                slots,
                clock,
                Duration.ofHours(6),
                new PollSchedule(Duration.ofSeconds(30)),
                new UploadArrival(WAIT));
        slots.release(owner, io.apsisimport.slots.ReleaseReason.IMPORT_FINISHED);
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner, clock.instant(), 0));
        ticket = apsis.requestImport(
                "com.apsis1.sections.default",
                JsonHandler.JSON.valueToTree(Map.of(
                        "keyspace_mapping",
                        Map.of("keyspace_discriminator", "com.apsis1.keyspaces.email", "field_selector", "email"))));
        slots.attachImport(owner, ticket.importId(), ticket.expiresAt(), ticket.toJson());

        sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing();
        assertThrows(UploadOutcomeUnknownException.class, () -> upload.handle(uploadInput(), UPLOAD));
        var first = arrivalCheck(null);
        assertEquals("waiting for file", first.status());
        assertEquals(Boolean.FALSE, first.arrived());
        clock.advance(Duration.ofSeconds(first.nextCheckSeconds()));
        var second = arrivalCheck(first);
        assertEquals(Boolean.FALSE, second.arrived());
        clock.advance(Duration.ofSeconds(second.nextCheckSeconds()));
        var third = arrivalCheck(second);
        assertEquals(Boolean.TRUE, third.arrived(), third.toString());
        assertEquals(1, sent());
        assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
    }
}
