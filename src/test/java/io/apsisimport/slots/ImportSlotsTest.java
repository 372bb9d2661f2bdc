package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionRequest;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.SfnException;

// Integration test against moto's DynamoDB (real condition evaluation); time moves by a test clock.
@io.apsisimport.local.LocalCloudTest
class ImportSlotsTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(15);
    private static final Duration MAX_WAIT = Duration.ofHours(6);
    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";

    private static MotoDynamo moto;

    private String table;
    private MutableClock clock;
    private FakeProbe probe;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @BeforeEach
    void freshTable() {
        table = moto.newTable();
        clock = new MutableClock(T0);
        probe = new FakeProbe();
    }

    private ImportSlots slots(int max) {
        return slots(max, 1);
    }

    private ImportSlots slots(int max, long seed) {
        return new ImportSlots(
                moto.ddb,
                probe,
                new SlotsConfig(table, "acct", max, LEASE, MAX_WAIT),
                clock,
                new SplittableRandom(seed));
    }

    private static SlotOwner owner(String execution, int part) {
        return new SlotOwner(ARN + execution, part);
    }

    private static SlotDecision.Acquired acquired(SlotDecision d) {
        return assertInstanceOf(SlotDecision.Acquired.class, d);
    }

    private static SlotDecision.Wait waits(SlotDecision d) {
        return assertInstanceOf(SlotDecision.Wait.class, d);
    }

    private long holders(ImportSlots slots) {
        return slots.slots().stream().filter(v -> !v.free()).count();
    }

    @Test
    void grantsExactlyMaxSlotsDistinctSlotsThenWaits() {
        ImportSlots slots = slots(3);
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            SlotDecision.Acquired a = acquired(slots.acquire(owner("e" + i, 0), T0, 0));
            assertFalse(a.reclaimed());
            assertEquals(T0.plus(LEASE), a.leaseExpiresAt());
            taken.add(a.slot());
        }
        assertEquals(Set.of(0, 1, 2), taken);
        SlotDecision.Wait w = waits(slots.acquire(owner("e3", 0), T0, 0));
        assertEquals(0, w.waitersAhead());
        assertEquals(3, holders(slots));
        assertEquals(3, moto.activeHolders(table));
    }

    @Test
    void acquireIsIdempotentForTheSameOwner() {
        ImportSlots slots = slots(3);
        SlotOwner a = owner("exec-a", 0);
        int first = acquired(slots.acquire(a, T0, 0)).slot();
        clock.advance(Duration.ofSeconds(5));
        SlotDecision.Acquired again = acquired(slots.acquire(a, T0, 0));
        assertEquals(first, again.slot());
        assertEquals(clock.instant().plus(LEASE), again.leaseExpiresAt(), "a retried acquire renews the lease");
        assertEquals(1, holders(slots));
    }

    @Test
    void releaseIsIdempotentAndFreesTheSlot() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        SlotOwner b = owner("exec-b", 0);
        acquired(slots.acquire(a, T0, 0));
        waits(slots.acquire(b, T0, 0));
        slots.release(b, ReleaseReason.ABANDONED); // a waiter, not a holder: harmless
        slots.release(owner("never-seen", 3), ReleaseReason.IMPORT_FINISHED);
        assertEquals(1, holders(slots));

        slots.release(a, ReleaseReason.IMPORT_FINISHED);
        slots.release(a, ReleaseReason.IMPORT_FINISHED);
        slots.release(a, ReleaseReason.ABANDONED);
        assertEquals(0, holders(slots));
        assertTrue(slots.slots().get(0).free());
        assertEquals(0, acquired(slots.acquire(b, T0, 1)).slot());
        assertThrows(SlotLostException.class, () -> slots.renew(a));
    }

    @Test
    void renewExtendsTheLeaseOnlyForTheHolder() {
        ImportSlots slots = slots(2);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        clock.advance(Duration.ofMinutes(10));
        slots.renew(a);
        assertEquals(clock.instant().plus(LEASE), slots.slots().get(0).leaseExpiresAt());
        assertThrows(SlotLostException.class, () -> slots.renew(owner("exec-a", 1)));
    }

    @Test
    void expiredLeaseOfAFinishedExecutionIsReclaimed() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        SlotOwner b = owner("exec-b", 0);
        acquired(slots.acquire(a, T0, 0));
        clock.advance(LEASE.plusSeconds(1));
        probe.stop(a.executionArn());
        SlotDecision.Acquired taken = acquired(slots.acquire(b, clock.instant(), 0));
        assertTrue(taken.reclaimed());
        assertEquals(b.id(), slots.slots().get(0).ownerId());
        assertThrows(SlotLostException.class, () -> slots.renew(a));
        assertThrows(
                SlotLostException.class,
                () -> slots.attachImport(a, "imp-1", clock.instant().plusSeconds(60), "{}"));
        slots.release(a, ReleaseReason.IMPORT_FINISHED); // the late release of the old owner changes nothing
        assertEquals(b.id(), slots.slots().get(0).ownerId());
    }

    @Test
    void expiredLeaseOfARunningExecutionIsNotReclaimed() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        clock.advance(LEASE.plusSeconds(1));
        waits(slots.acquire(owner("exec-b", 0), clock.instant(), 0));
        assertEquals(a.id(), slots.slots().get(0).ownerId());
        slots.renew(a); // still its slot
    }

    @Test
    void expiredLeaseOfAnExecutionThatCannotBeDescribedIsKeptAndTheAskerWaits() {
        // E.g. a slots table shared with another stack whose executions this role may not describe.
        SlotOwner a = owner("exec-a", 0);
        acquired(slots(1).acquire(a, T0, 0));
        clock.advance(LEASE.plusSeconds(1));
        var unsure = new ArrayList<String>();
        var denied = SfnException.builder()
                .statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException")
                        .errorMessage("not authorized to perform: states:DescribeExecution")
                        .build())
                .build();
        var describeDenied = new SfnClient() {
            @Override
            public DescribeExecutionResponse describeExecution(DescribeExecutionRequest request) {
                throw denied;
            }

            @Override
            public String serviceName() {
                return "states";
            }

            @Override
            public void close() {}
        };
        ImportSlots slots = new ImportSlots(
                moto.ddb,
                new SfnExecutionProbe(describeDenied, (arn, e) -> unsure.add(arn)),
                new SlotsConfig(table, "acct", 1, LEASE, MAX_WAIT),
                clock,
                new SplittableRandom(1));

        waits(slots.acquire(owner("exec-b", 0), clock.instant(), 0));

        assertEquals(List.of(a.executionArn()), unsure, "the denial is reported, once per acquire");
        assertEquals(a.id(), slots.slots().get(0).ownerId(), "unsure: the slot is not reclaimed");
    }

    @Test
    void unexpiredLeaseIsNotReclaimedEvenIfTheOwnerStopped() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        probe.stop(a.executionArn());
        clock.advance(LEASE.minusSeconds(1));
        waits(slots.acquire(owner("exec-b", 0), clock.instant(), 0));
        assertEquals(0, probe.calls.get(), "no DescribeExecution while no lease has expired");
    }

    @Test
    void abandonedImportWithUnusedUploadUrlHoldsTheSlotUntilTheUrlExpires() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        SlotOwner b = owner("exec-b", 0);
        acquired(slots.acquire(a, T0, 0));
        Instant urlExpiry = T0.plus(Duration.ofHours(1));
        slots.attachImport(
                a, "imp-1", urlExpiry, "{\"file_upload_url\":\"https://s3/x\",\"x-amz-signature\":\"secret\"}");
        slots.release(a, ReleaseReason.ABANDONED);
        slots.release(a, ReleaseReason.ABANDONED);

        SlotView held = slots.slots().get(0);
        assertEquals(urlExpiry, held.holdUntil());
        assertEquals("imp-1", held.importId());
        assertEquals(Optional.empty(), slots.ticket(a), "the ticket of an abandoned import is gone");
        assertFalse(moto.item(table, "acct#slots", "slot#00").containsKey("ticket"));
        waits(slots.acquire(b, clock.instant(), 0));
        assertThrows(SlotLostException.class, () -> slots.renew(a));

        clock.advance(Duration.ofMinutes(59));
        waits(slots.acquire(b, T0, 1));
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        SlotDecision.Acquired got = acquired(slots.acquire(b, T0, 2));
        assertFalse(got.reclaimed());
    }

    @Test
    void abandonedUploadedImportHoldsUntilTheLeaseExpires() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        slots.attachImport(a, "imp-1", T0.plus(Duration.ofHours(1)), "{}");
        clock.advance(Duration.ofMinutes(2));
        slots.markUploaded(a);
        Instant leaseEnd = clock.instant().plus(LEASE);
        slots.release(a, ReleaseReason.ABANDONED);
        assertEquals(leaseEnd, slots.slots().get(0).holdUntil());
        assertTrue(slots.slots().get(0).uploaded());
        clock.advance(LEASE.minusSeconds(1));
        waits(slots.acquire(owner("exec-b", 0), clock.instant(), 0));
        clock.advance(Duration.ofSeconds(1));
        acquired(slots.acquire(owner("exec-b", 0), clock.instant(), 0));
    }

    @Test
    void anUploadIsSentOnlyWhileNoEarlierAttemptMayHaveDeliveredTheFile() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        slots.attachImport(a, "imp-1", T0.plus(Duration.ofHours(1)), "{}");

        assertEquals(new UploadStart.Send(1), slots.startUpload(a));
        // Attempt 1 has no outcome yet (its invocation died, or its answer was lost): nothing more is sent.
        assertEquals(new UploadStart.InDoubt(1), slots.startUpload(a));
        assertTrue(slots.uploadAttempts(a).inDoubt());
        // Known not delivered (the request never became complete): the next attempt may go.
        slots.settleUpload(a, 1);
        assertEquals(new UploadStart.Send(2), slots.startUpload(a));
        slots.settleUpload(a, 1); // a stale settle of an older attempt changes nothing
        assertEquals(new UploadStart.InDoubt(2), slots.startUpload(a));
        // APSIS kept waiting for the file after attempt 2: given up on, once, then the file may go again.
        assertTrue(slots.giveUpOnUpload(a, 1));
        assertEquals(new ImportSlots.UploadAttempts(2, 2, 1, false), slots.uploadAttempts(a));
        assertEquals(new UploadStart.Send(3), slots.startUpload(a));
        assertFalse(slots.giveUpOnUpload(a, 1), "the part has used its one resend");
        assertEquals(new UploadStart.InDoubt(3), slots.startUpload(a));
        // The file arrived (APSIS said so, or an attempt succeeded): never sent again.
        slots.markUploaded(a);
        assertEquals(new UploadStart.AlreadyUploaded(), slots.startUpload(a));
        assertFalse(slots.giveUpOnUpload(a, 5));
        assertFalse(slots.uploadAttempts(a).inDoubt());
    }

    @Test
    void uploadAttemptsBelongToTheHolderAndGoWithTheSlot() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        SlotOwner b = owner("exec-b", 0);
        acquired(slots.acquire(a, T0, 0));
        assertEquals(new UploadStart.Send(1), slots.startUpload(a));
        assertThrows(SlotLostException.class, () -> slots.startUpload(b), "no upload without the slot");
        slots.release(a, ReleaseReason.IMPORT_FINISHED);
        assertThrows(SlotLostException.class, () -> slots.startUpload(a));
        acquired(slots.acquire(b, T0, 0));
        assertEquals(new ImportSlots.UploadAttempts(0, 0, 0, false), slots.uploadAttempts(b));
        assertEquals(new UploadStart.Send(1), slots.startUpload(b), "the next holder starts from nothing");
    }

    @Test
    void abandonedImportWhoseUrlExpiredUnusedIsFreeAtOnce() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        slots.attachImport(a, "imp-1", T0.plusSeconds(60), "{}");
        clock.advance(Duration.ofSeconds(61));
        slots.release(a, ReleaseReason.ABANDONED);
        assertTrue(slots.slots().get(0).free());
    }

    @Test
    void abandonedWithoutImportAndFinishedImportFreeAtOnce() {
        ImportSlots slots = slots(2);
        SlotOwner a = owner("exec-a", 0);
        SlotOwner b = owner("exec-b", 0);
        acquired(slots.acquire(a, T0, 0));
        acquired(slots.acquire(b, T0, 0));
        slots.attachImport(b, "imp-b", T0.plus(Duration.ofHours(1)), "{}");
        slots.markUploaded(b);
        slots.release(a, ReleaseReason.ABANDONED);
        slots.release(b, ReleaseReason.IMPORT_FINISHED);
        assertEquals(0, holders(slots));
        assertEquals(0, moto.activeHolders(table));
    }

    @Test
    void finishedReportAfterAnAbandonedReleaseFreesTheHeldSlot() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        slots.attachImport(a, "imp-1", T0.plus(Duration.ofHours(1)), "{}");
        slots.markUploaded(a);
        slots.release(a, ReleaseReason.ABANDONED);
        assertFalse(slots.slots().get(0).free());
        slots.release(a, ReleaseReason.IMPORT_FINISHED);
        assertTrue(slots.slots().get(0).free());
    }

    @Test
    void ticketIsStoredOnTheSlotAndNeverInTheView() {
        ImportSlots slots = slots(1);
        SlotOwner a = owner("exec-a", 0);
        acquired(slots.acquire(a, T0, 0));
        assertEquals(Optional.empty(), slots.ticket(a));
        String ticket = "{\"file_upload_body\":{\"x-amz-signature\":\"s3cr3t\"}}";
        slots.attachImport(a, "imp-1", T0.plus(Duration.ofHours(1)), ticket);
        slots.attachImport(a, "imp-1", T0.plus(Duration.ofHours(1)), ticket); // a retried attach
        assertEquals(Optional.of(ticket), slots.ticket(a));
        assertEquals(Optional.empty(), slots.ticket(owner("exec-b", 0)));
        assertFalse(slots.slots().toString().contains("s3cr3t"));
        assertThrows(
                IllegalStateException.class, () -> slots.attachImport(a, "imp-2", T0.plus(Duration.ofHours(1)), "{}"));
        slots.release(a, ReleaseReason.IMPORT_FINISHED);
        assertEquals(Optional.empty(), slots.ticket(a));
        assertFalse(moto.item(table, "acct#slots", "slot#00").containsKey("ticket"));
    }

    @Test
    void releaseAllFreesEveryPartOfAnExecutionAndForgetsItsWaiters() {
        ImportSlots slots = slots(3);
        for (int part = 0; part < 3; part++) {
            acquired(slots.acquire(owner("big-file", part), T0, 0));
        }
        waits(slots.acquire(owner("big-file", 3), T0, 0));
        waits(slots.acquire(owner("other", 0), T0.plusSeconds(1), 0));
        assertFalse(
                moto.item(table, "acct#slots", "wait#" + owner("big-file", 3).id())
                        .isEmpty());

        assertEquals(3, slots.releaseAll(ARN + "big-file", ReleaseReason.ABANDONED));
        assertEquals(0, holders(slots));
        assertTrue(moto.item(table, "acct#slots", "wait#" + owner("big-file", 3).id())
                .isEmpty());
        assertFalse(
                moto.item(table, "acct#slots", "wait#" + owner("other", 0).id()).isEmpty());
        assertEquals(0, slots.releaseAll(ARN + "big-file", ReleaseReason.ABANDONED));
        acquired(slots.acquire(owner("other", 0), T0.plusSeconds(1), 1));
    }

    @Test
    void lateAcquireAfterReleaseAllIsReclaimedOnceItsLeaseExpires() {
        // The AWS sample semaphore leaks here: its one-shot cleanup ran before the late acquire.
        ImportSlots slots = slots(1);
        SlotOwner late = owner("aborted", 0);
        assertEquals(0, slots.releaseAll(late.executionArn(), ReleaseReason.ABANDONED));
        probe.stop(late.executionArn());
        acquired(slots.acquire(late, T0, 0));
        waits(slots.acquire(owner("next", 0), T0, 0));
        clock.advance(LEASE.plusSeconds(1));
        assertTrue(acquired(slots.acquire(owner("next", 0), T0, 1)).reclaimed());
    }

    @Test
    void olderWaiterGetsTheNextFreeSlotBeforeANewerOne() {
        ImportSlots slots = slots(1);
        SlotOwner holder = owner("holder", 0);
        SlotOwner older = owner("older", 0);
        SlotOwner newer = owner("newer", 0);
        acquired(slots.acquire(holder, T0, 0));
        assertEquals(0, waits(slots.acquire(older, T0.plusSeconds(1), 0)).waitersAhead());
        assertEquals(1, waits(slots.acquire(newer, T0.plusSeconds(2), 0)).waitersAhead());
        slots.release(holder, ReleaseReason.IMPORT_FINISHED);

        // The newer one wakes first but leaves the free slot to the older one.
        assertEquals(1, waits(slots.acquire(newer, T0.plusSeconds(2), 1)).waitersAhead());
        assertTrue(slots.slots().get(0).free());
        acquired(slots.acquire(older, T0.plusSeconds(1), 1));
        assertEquals(0, waits(slots.acquire(newer, T0.plusSeconds(2), 2)).waitersAhead());
    }

    @Test
    void aWaiterThatStoppedComingBackNoLongerBlocksNewerOnes() {
        ImportSlots slots = slots(1);
        SlotOwner holder = owner("holder", 0);
        acquired(slots.acquire(holder, T0, 0));
        Duration announced = waits(slots.acquire(owner("vanished", 0), T0, 0)).waitFor();
        slots.release(holder, ReleaseReason.IMPORT_FINISHED);
        waits(slots.acquire(owner("newer", 0), T0.plusSeconds(1), 0));
        clock.advance(announced.plus(SlotPolicy.WAITER_GRACE).plusSeconds(1));
        acquired(slots.acquire(owner("newer", 0), T0.plusSeconds(1), 1));
    }

    @Test
    void waitsGrowAreJitteredAndCapped() {
        ImportSlots one = slots(1, 1);
        ImportSlots two = slots(1, 2);
        acquired(one.acquire(owner("holder", 0), T0, 0));
        // Three older waiters put the two below at the tail of the queue (cap 60 s).
        for (int i = 0; i < 3; i++) {
            waits(one.acquire(owner("early" + i, 0), T0, 0));
        }
        List<Duration> a = new ArrayList<>();
        List<Duration> b = new ArrayList<>();
        for (int attempt = 0; attempt < 10; attempt++) {
            a.add(waits(one.acquire(owner("late-a", 0), T0.plusSeconds(1), attempt))
                    .waitFor());
            b.add(waits(two.acquire(owner("late-b", 0), T0.plusSeconds(1), attempt))
                    .waitFor());
        }
        assertTrue(a.get(0).compareTo(Duration.ofSeconds(2)) <= 0, "first wait 1-2 s: " + a);
        assertTrue(a.get(4).compareTo(a.get(0)) > 0, "grows: " + a);
        assertNotEquals(a, b, "different random streams, different waits");
        for (Duration d : a) {
            assertTrue(d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(SlotPolicy.TAIL_CAP) <= 0, a.toString());
        }
        assertTrue(a.get(9).compareTo(Duration.ofSeconds(30)) >= 0, "capped at 60 s, not below half of it: " + a);
    }

    @Test
    void waitingLongerThanMaxWaitFailsWithAReadableMessage() {
        ImportSlots slots = slots(2);
        acquired(slots.acquire(owner("customers-2025-03-01.csv-1a2b", 0), T0, 0));
        acquired(slots.acquire(owner("orders.csv-9f8e", 1), T0, 0));
        SlotOwner late = owner("late.csv-77aa", 0);
        waits(slots.acquire(late, T0, 0));
        clock.advance(MAX_WAIT.minusSeconds(10));
        SlotDecision.Wait last = waits(slots.acquire(late, T0, 50));
        assertTrue(last.waitFor().compareTo(Duration.ofSeconds(11)) <= 0, "no wait beyond the deadline: " + last);
        clock.advance(Duration.ofSeconds(11));
        SlotWaitTimeoutException e = assertThrows(SlotWaitTimeoutException.class, () -> slots.acquire(late, T0, 51));
        String m = e.getMessage();
        assertTrue(m.contains("late.csv-77aa#0 waited 6h 00m 01s"), m);
        assertTrue(m.contains("all 2 slots"), m);
        assertTrue(m.contains("customers-2025-03-01.csv-1a2b#0") && m.contains("orders.csv-9f8e#1"), m);
        assertFalse(m.contains("123456789012"), "execution names, not ARNs: " + m);
        assertTrue(moto.item(table, "acct#slots", "wait#" + late.id()).isEmpty(), "a timed-out waiter blocks nobody");
    }

    @Test
    void accountsSharingATableHaveTheirOwnSlots() {
        ImportSlots acct = slots(1);
        ImportSlots other = new ImportSlots(
                moto.ddb, probe, new SlotsConfig(table, "other", 1, LEASE, MAX_WAIT), clock, new SplittableRandom(3));
        acquired(acct.acquire(owner("a", 0), T0, 0));
        acquired(other.acquire(owner("b", 0), T0, 0));
        waits(acct.acquire(owner("c", 0), T0, 0));
    }

    @Test
    void aWaiterBehindAnUploadedImportWaitsUntilItIsExpectedToEndNotAPollInterval() {
        ImportSlots slots = slots(1);
        SlotOwner holder = owner("holder", 0);
        acquired(slots.acquire(holder, T0, 0));
        // Nothing known about the holder's import: the back-off (first waits 1-2 s).
        assertTrue(waits(slots.acquire(owner("first", 0), T0, 0)).waitFor().compareTo(Duration.ofSeconds(2)) <= 0);
        slots.markUploaded(holder, T0.plusSeconds(120));
        // Expected to end in 120 s: the next in line looks a quarter of that, at least one poll interval
        // (30 s), after it, unless a release wakes it first; the one behind it a mean duration and a poll
        // later (none learned: the back-off).
        assertEquals(
                Duration.ofSeconds(150),
                waits(slots.acquire(owner("first", 0), T0, 1)).waitFor());
        assertTrue(waits(slots.acquire(owner("second", 0), T0.plusSeconds(1), 0))
                        .waitFor()
                        .compareTo(Duration.ofSeconds(2))
                <= 0);
        slots.learn(100, 8_000, 90);
        // Its turn in 120 + 90 + 30 = 240 s, plus a quarter of that.
        assertEquals(
                Duration.ofSeconds(300),
                waits(slots.acquire(owner("second", 0), T0.plusSeconds(1), 1)).waitFor());
        assertEquals(
                List.of(true), slots.slots().stream().map(SlotView::uploaded).toList(), "still the holder's");
    }

    @Test
    void importDurationsAreLearnedPerAccountWhateverTheContainer() {
        ImportSlots one = slots(1);
        ImportSlots two = slots(1, 2);
        assertEquals(0, one.durations().samples());
        one.learn(1_000, 80_000, 30);
        two.learn(1_000, 80_000, 50);
        assertEquals(2, one.durations().samples(), "the second container learned on top of the first");
        assertEquals(40, one.durations().estimate(1_000, 80_000).orElseThrow().seconds(), 2.0);
        ImportSlots other = new ImportSlots(
                moto.ddb, probe, new SlotsConfig(table, "other", 1, LEASE, MAX_WAIT), clock, new SplittableRandom(1));
        assertEquals(0, other.durations().samples(), "another APSIS account learns its own");
        // The model's item is not a slot: slots() and the slot queries do not see it.
        assertEquals(1, one.slots().size());
    }

    @Test
    void slotsListsEveryIndexWithoutSecrets() {
        ImportSlots slots = slots(3);
        acquired(slots.acquire(owner("a", 0), T0, 0));
        List<SlotView> views = slots.slots();
        assertEquals(3, views.size());
        assertEquals(owner("a", 0).id(), views.get(0).ownerId());
        assertNull(views.get(1).ownerId());
        assertEquals(List.of(0, 1, 2), views.stream().map(SlotView::slot).toList());
    }
}
