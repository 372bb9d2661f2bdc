package io.apsisimport.slots;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * A DynamoDB lease semaphore with exactly {@link SlotsConfig#maxSlots()} slots per APSIS account:
 * one item per slot, every change a single conditional write on the state it was decided on.
 * See docs/import-slots.md for the item layout and why at most N owners hold a slot at any time.
 *
 * <p>Thread-safe: no mutable state besides the injected collaborators.
 */
public final class ImportSlots {
  /** First waits are 1–2 s; each attempt doubles the ceiling. */
  static final Duration BACKOFF_BASE = Duration.ofSeconds(2);
  /** A waiter far back sleeps at least up to this between two looks (releases wake it earlier). */
  static final Duration TAIL_CAP = Duration.ofSeconds(60);
  /**
   * The back-off ceiling grows with the time already waited (a quarter of it), up to this: a part
   * that waits for hours looks about every hour instead of every minute, and a release still wakes
   * it at once. Together with {@link #MAX_ASKS} this bounds the slot-wait rounds of a part's
   * execution (HistoryBudgetTest: about 13 history events each).
   */
  static final Duration MAX_CEILING = Duration.ofHours(2);
  /**
   * A part asks for a slot at most this often (back-offs and wake-ups together), then fails with
   * {@link SlotWaitTimeoutException}: a safety net for the 25,000 history events of its execution,
   * above what the back-off needs within the longest SLOT_MAX_WAIT_SECONDS (HistoryBudgetTest).
   */
  public static final int MAX_ASKS = 200;
  /** A waiter that has not come back this long after its announced wait no longer blocks younger ones. */
  static final Duration WAITER_GRACE = Duration.ofSeconds(30);
  /** A bogus far-future upload-URL expiry must not pin a slot for longer than this. */
  static final Duration MAX_HOLD = Duration.ofHours(24);
  /** Housekeeping only: TTL deletes abandoned waiter records this long after they stopped counting. */
  private static final Duration WAITER_TTL = Duration.ofDays(1);
  /** Lost conditional-write races are retried with a fresh read this many times per call. */
  private static final int MAX_ROUNDS = 8;

  private static final String SLOT_PREFIX = "slot#";
  private static final String WAITER_PREFIX = "wait#";

  // Attribute names; always used through expression names (several are DynamoDB reserved words).
  private static final String PK = "pk";
  private static final String SK = "sk";
  private static final String OWNER = "owner";
  private static final String EXEC = "exec";
  private static final String PART = "part";
  private static final String ACQUIRED_AT = "acquiredAt";
  private static final String LEASE_UNTIL = "leaseUntil";
  private static final String HOLD_UNTIL = "holdUntil";
  private static final String IMPORT_ID = "importId";
  private static final String URL_EXPIRES_AT = "urlExpiresAt";
  private static final String UPLOADED = "uploaded";
  private static final String UPLOAD_ATTEMPTS = "uploadAttempts";
  private static final String UPLOADS_SETTLED = "uploadsSettled";
  private static final String UPLOAD_RESENDS = "uploadResends";
  private static final String TICKET = "ticket";
  private static final String VERSION = "version";
  private static final String RELEASED_AT = "releasedAt";
  private static final String WAITING_SINCE = "waitingSince";
  private static final String NEXT_CHECK_BY = "nextCheckBy";
  private static final String TTL = "ttl";
  private static final String TOKEN = "token";
  private static final String EXPECTED_END_AT = "expectedEndAt";
  private static final String MODEL = "model";
  private static final String UPDATED_AT = "updatedAt";
  /** The sort key of the duration model's item, in the partition {@code {APSIS_ACCOUNT_KEY}#durations}. */
  private static final String MODEL_SK = "model";
  /** Learning a finished import's duration gives up after this many lost races (it is only an estimate). */
  private static final int LEARN_ROUNDS = 4;

  private final DynamoDbClient ddb;
  private final ExecutionProbe probe;
  private final SlotsConfig config;
  private final Clock clock;
  private final RandomGenerator random;
  private final String pk;
  private final String durationsPk;

  public ImportSlots(DynamoDbClient ddb, ExecutionProbe probe, SlotsConfig config, Clock clock, RandomGenerator random) {
    this.ddb = Objects.requireNonNull(ddb, "ddb");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.pk = config.accountKey() + "#slots";
    this.durationsPk = config.accountKey() + "#durations";
  }

  // ---------------------------------------------------------------------------------------------
  // acquire

  /**
   * Takes a slot for {@code owner}, or says how long to wait. Idempotent: an owner that already
   * holds a slot gets it back (with a renewed lease).
   *
   * @param waitingSince when this part first asked for a slot (the same value on every attempt)
   * @param attempt how many times this part has been told to wait so far (0 on the first call)
   * @throws SlotWaitTimeoutException when no slot is free and the part has waited longer than maxWait
   */
  public SlotDecision acquire(SlotOwner owner, Instant waitingSince, int attempt) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(waitingSince, "waitingSince");
    String me = owner.id();
    Map<String, Boolean> running = new HashMap<>();
    State state = null;
    int rank = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Instant now = clock.instant();
      state = load();
      Slot mine = state.activeSlotOf(me);
      if (mine != null) {
        Instant lease = now.plus(config.lease());
        try {
          updateOwned(mine.index(), me, "SET #leaseUntil = :lease", Map.of(":lease", millis(lease)), "");
        } catch (ConditionalCheckFailedException lostMeanwhile) {
          continue;
        }
        deleteWaiterIfSeen(state, me);
        return new SlotDecision.Acquired(mine.index(), lease, false);
      }
      rank = state.waitersAhead(me, waitingSince, now);
      Candidate target = pick(state, rank, now, running);
      if (target == null) {
        break;
      }
      Instant lease = now.plus(config.lease());
      try {
        takeSlot(target.slot(), owner, now, lease);
      } catch (ConditionalCheckFailedException raced) {
        continue; // someone changed that slot since we read it: decide again on fresh state
      }
      deleteWaiterIfSeen(state, me);
      return new SlotDecision.Acquired(target.slot().index(), lease, target.reclaimed());
    }
    Instant now = clock.instant();
    Duration waited = Duration.between(waitingSince, now);
    if (waited.compareTo(config.maxWait()) > 0 || attempt + 1 >= MAX_ASKS) {
      deleteWaiter(me);
      throw new SlotWaitTimeoutException(timeoutMessage(owner, waited, attempt + 1, state == null ? load() : state, now));
    }
    Duration waitFor = backoff(attempt, rank, config.maxSlots(), config.pollInterval(), waited, random);
    State seen = state == null ? load() : state;
    Duration net = untilTurn(seen, config.maxSlots(), config.pollInterval(), rank, now, this::meanDuration);
    if (net != null && net.compareTo(waitFor) > 0) {
      // The back-off is the safety net of a lost wake-up; when the holders' imports are expected to
      // end later, a wait that ends before then only costs a round of transitions.
      waitFor = net;
    }
    Duration left = config.maxWait().minus(waited);
    if (waitFor.compareTo(left) > 0) {
      // Come back just after the deadline rather than long after it.
      waitFor = Duration.ofSeconds(Math.max(1, left.toSeconds() + 1));
    }
    putWaiter(owner, waitingSince, now.plus(waitFor).plus(WAITER_GRACE));
    return new SlotDecision.Wait(waitFor, rank);
  }

  private record Candidate(Slot slot, boolean reclaimed) {}

  /**
   * The slot this caller may try, or null: the caller with {@code rank} older live waiters takes
   * the (rank+1)-th takeable slot, so the older ones still find theirs and concurrent callers of
   * different rank aim at different slots. Free slots first; leases are reclaimed (and the probe
   * called) only when free slots do not suffice.
   */
  private Candidate pick(State state, int rank, Instant now, Map<String, Boolean> running) {
    List<Candidate> takeable = new ArrayList<>();
    List<Slot> expired = new ArrayList<>();
    for (int i = 0; i < config.maxSlots(); i++) {
      Slot s = state.slot(i);
      if (s.free(now)) {
        takeable.add(new Candidate(s, false));
      } else if (s.active() && !s.leaseUntil().isAfter(now)) {
        expired.add(s);
      }
    }
    if (takeable.size() > rank) {
      return takeable.get(rank);
    }
    expired.sort(Comparator.comparing(Slot::leaseUntil));
    for (Slot s : expired) {
      boolean alive = running.computeIfAbsent(s.exec(), probe::isRunning);
      if (!alive) {
        takeable.add(new Candidate(s, true));
        if (takeable.size() > rank) {
          return takeable.get(rank);
        }
      }
    }
    return null;
  }

  /**
   * Exponential back-off with "equal jitter": a random wait in [ceiling/2, ceiling], where the
   * ceiling doubles per attempt from {@link #BACKOFF_BASE}. Waiters next in line (fewer than
   * maxSlots live waiters ahead) are capped at the status-poll interval: a holder notices its
   * import ended at that cadence, so even without a wake-up a freed slot is taken about one poll
   * later. The others are capped at {@link #TAIL_CAP}: a release wakes the oldest waiters (see
   * {@link #waitersToWake()}), so the back-off of a waiter far back is only a safety net and may
   * be long and cheap. Either cap grows with the time already waited (a quarter of it, at most
   * {@link #MAX_CEILING}), which bounds the rounds of a long wait. Whole seconds (Step Functions
   * counts seconds), at least one.
   */
  static Duration backoff(int attempt, int waitersAhead, int maxSlots, Duration poll, Duration waited,
      RandomGenerator random) {
    long pollMillis = Math.min(TAIL_CAP.toMillis(), Math.max(1000, poll.toMillis()));
    long grown = Math.min(MAX_CEILING.toMillis(), Math.max(0, waited.toMillis()) / 4);
    long cap = Math.max(grown, waitersAhead < maxSlots ? pollMillis : TAIL_CAP.toMillis());
    int shift = Math.min(Math.max(attempt, 0), 20);
    long ceiling = Math.max(1000, Math.min(cap, BACKOFF_BASE.toMillis() << shift));
    long half = ceiling / 2;
    long waitMillis = half + random.nextLong(ceiling - half + 1);
    long seconds = Math.max(1, (waitMillis + 999) / 1000);
    return Duration.ofSeconds(Math.min(seconds, Math.max(1, ceiling / 1000)));
  }

  static Duration backoff(int attempt, int waitersAhead, int maxSlots, Duration poll, RandomGenerator random) {
    return backoff(attempt, waitersAhead, maxSlots, poll, Duration.ZERO, random);
  }

  /**
   * When a waiter with {@code rank} older live waiters ahead can expect its turn, with a margin: the
   * safety net of its wait, which a release cuts short by waking it. The places free as the holders'
   * imports are expected to end (each holder's {@code expectedEndAt}, written at its upload from the
   * estimate of its duration; a holder not uploaded yet is expected to take the mean duration from
   * when it took its slot); each waiter ahead takes the earliest place and holds it for the mean
   * duration plus one poll interval (its request and upload, the check that sees its end, the
   * hand-over). The margin is a quarter of the expected wait, at least one poll interval: the
   * estimates of the imports ahead add up their errors, and a net that runs out before the turn
   * costs a round of transitions, while one that runs out later costs nothing unless a wake-up was
   * lost. Never past the earliest moment a slot can free without a release (a hold or a lease that
   * ends), nor longer than {@link #MAX_CEILING}. Null when nothing is known (no duration learned yet
   * and a holder without an expected end): the back-off alone decides.
   */
  static Duration untilTurn(State state, int maxSlots, Duration poll, int rank, Instant now,
      java.util.function.Supplier<Optional<Duration>> mean) {
    List<Instant> places = new ArrayList<>();
    Instant silent = null;
    Optional<Duration> typical = null;
    for (int i = 0; i < maxSlots; i++) {
      Slot s = state.slot(i);
      if (s.free(now)) {
        places.add(now);
        continue;
      }
      if (s.holdUntil() != null) {
        // Held after an abandoned release: it frees when the hold ends, and nobody wakes anyone then.
        places.add(s.holdUntil());
        silent = earliest(silent, s.holdUntil());
        continue;
      }
      // A lease that runs out may be reclaimed (its holder gone), again without a wake-up.
      silent = earliest(silent, s.leaseUntil());
      Instant end = s.expectedEndAt();
      if (end == null) {
        if (typical == null) {
          typical = mean.get();
        }
        if (typical.isEmpty() || s.acquiredAt() == null) {
          return null;
        }
        end = s.acquiredAt().plus(typical.get());
      }
      places.add(end.isAfter(now) ? end : now);
    }
    if (places.isEmpty()) {
      return null;
    }
    for (int ahead = 0; ahead < rank; ahead++) {
      if (typical == null) {
        typical = mean.get();
      }
      if (typical.isEmpty()) {
        return null;
      }
      int k = earliestIndex(places);
      places.set(k, places.get(k).plus(typical.get()).plus(poll));
    }
    Duration expected = Duration.between(now, places.get(earliestIndex(places)));
    Duration margin = expected.dividedBy(4).compareTo(poll) > 0 ? expected.dividedBy(4) : poll;
    Instant turn = now.plus(expected).plus(margin);
    if (silent != null && silent.isAfter(now) && silent.isBefore(turn)) {
      turn = silent.plusSeconds(1);
    }
    Duration wait = Duration.between(now, turn);
    if (wait.compareTo(MAX_CEILING) > 0) {
      wait = MAX_CEILING;
    }
    return Duration.ofSeconds(Math.max(1, (wait.toMillis() + 999) / 1000));
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  private static int earliestIndex(List<Instant> places) {
    int k = 0;
    for (int i = 1; i < places.size(); i++) {
      if (places.get(i).isBefore(places.get(k))) {
        k = i;
      }
    }
    return k;
  }

  private Optional<Duration> meanDuration() {
    try {
      return durations().meanSeconds().map(s -> Duration.ofMillis(Math.round(s * 1000)));
    } catch (RuntimeException e) {
      // An estimate only: without it, the back-off decides.
      return Optional.empty();
    }
  }

  /**
   * The most times a part asks for a slot before {@code maxWait} has passed, when no release ever
   * wakes it: every back-off at its shortest (the next in line, the jitter at its minimum, the
   * wait rounded up to whole seconds as Step Functions waits), the last ask the one that finds the
   * deadline passed. Wake-ups add rounds; {@link #MAX_ASKS} bounds them all.
   */
  public static int asksWithin(Duration maxWait, Duration poll) {
    RandomGenerator shortest = new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public long nextLong(long bound) {
        return 0;
      }
    };
    long waited = 0;
    int asks = 1;
    while (waited <= maxWait.toMillis()) {
      Duration w = backoff(asks - 1, 0, 1, poll, Duration.ofMillis(waited), shortest);
      long left = maxWait.toMillis() - waited;
      waited += Math.min(w.toMillis(), Math.max(1000, (left / 1000 + 1) * 1000));
      asks++;
    }
    return asks;
  }

  static Duration backoff(int attempt, int waitersAhead, int maxSlots, RandomGenerator random) {
    return backoff(attempt, waitersAhead, maxSlots, SlotsConfig.DEFAULT_POLL_INTERVAL, random);
  }

  private void takeSlot(Slot slot, SlotOwner owner, Instant now, Instant lease) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(PK, s(pk));
    item.put(SK, s(slotKey(slot.index())));
    item.put(OWNER, s(owner.id()));
    item.put(EXEC, s(owner.executionArn()));
    item.put(PART, n(owner.part()));
    item.put(ACQUIRED_AT, millis(now));
    item.put(LEASE_UNTIL, millis(lease));
    item.put(VERSION, n(slot.version() + 1));
    putSlot(slot, item);
  }

  /**
   * Replaces the whole slot item if it is still the version we read (or still absent): the
   * condition that makes every takeover and release race-free.
   */
  private void putSlot(Slot seen, Map<String, AttributeValue> item) {
    if (seen.exists()) {
      ddb.putItem(b -> b.tableName(config.table()).item(item)
          .conditionExpression("#version = :seen")
          .expressionAttributeNames(Map.of("#version", VERSION))
          .expressionAttributeValues(Map.of(":seen", n(seen.version()))));
    } else {
      ddb.putItem(b -> b.tableName(config.table()).item(item)
          .conditionExpression("attribute_not_exists(#pk)")
          .expressionAttributeNames(Map.of("#pk", PK)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // while holding

  /** Extends the owner's lease to now + lease. */
  public void renew(SlotOwner owner) {
    Slot slot = requireActive(owner);
    try {
      updateOwned(slot.index(), owner.id(), "SET #leaseUntil = :lease",
          Map.of(":lease", millis(clock.instant().plus(config.lease()))), "");
    } catch (ConditionalCheckFailedException e) {
      throw lost(owner);
    }
  }

  /**
   * Records the APSIS import on the owner's slot, with its upload ticket (the presigned form, stored
   * only here) and renews the lease. Attaching the same import again is harmless; a different one
   * is refused, since one slot stands for one pending APSIS import.
   */
  public void attachImport(SlotOwner owner, String importId, Instant uploadUrlExpiresAt, String ticketJson) {
    Objects.requireNonNull(importId, "importId");
    Objects.requireNonNull(uploadUrlExpiresAt, "uploadUrlExpiresAt");
    Objects.requireNonNull(ticketJson, "ticketJson");
    Slot slot = requireActive(owner);
    if (slot.importId() != null && !slot.importId().equals(importId)) {
      throw new IllegalStateException("slot " + slot.index() + " of " + owner.displayName()
          + " already carries APSIS import " + slot.importId() + "; refusing to attach " + importId);
    }
    try {
      updateOwned(slot.index(), owner.id(),
          "SET #leaseUntil = :lease, #importId = :importId, #urlExpiresAt = :url, #ticket = :ticket",
          Map.of(":lease", millis(clock.instant().plus(config.lease())), ":importId", s(importId),
              ":url", millis(uploadUrlExpiresAt), ":ticket", s(ticketJson)),
          " AND (attribute_not_exists(#importId) OR #importId = :importId)");
    } catch (ConditionalCheckFailedException e) {
      Slot now = load().activeSlotOf(owner.id());
      if (now == null) {
        throw lost(owner);
      }
      throw new IllegalStateException("slot " + now.index() + " of " + owner.displayName()
          + " already carries APSIS import " + now.importId() + "; refusing to attach " + importId);
    }
  }

  /** The upload ticket attached to the owner's slot, while the owner holds it. */
  public Optional<String> ticket(SlotOwner owner) {
    var response = ddb.query(b -> b.tableName(config.table()).consistentRead(true)
        .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
        .filterExpression("#owner = :owner AND attribute_not_exists(#holdUntil)")
        .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK, "#owner", OWNER, "#holdUntil", HOLD_UNTIL))
        .expressionAttributeValues(Map.of(":pk", s(pk), ":prefix", s(SLOT_PREFIX), ":owner", s(owner.id()))));
    return response.items().stream().map(i -> i.get(TICKET)).filter(Objects::nonNull).map(AttributeValue::s).findFirst();
  }

  /** The upload succeeded: from now on the import counts until APSIS reports a terminal status. */
  public void markUploaded(SlotOwner owner) {
    markUploaded(owner, null);
  }

  /**
   * The upload succeeded, and the import is expected to have ended by {@code expectedEnd} (null:
   * no estimate): waiters plan their safety-net waits on it ({@link #untilTurn}).
   */
  public void markUploaded(SlotOwner owner, Instant expectedEnd) {
    Slot slot = requireActive(owner);
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":true", AttributeValue.fromBool(true),
        ":lease", millis(clock.instant().plus(config.lease()))));
    String set = "SET #uploaded = :true, #leaseUntil = :lease";
    if (expectedEnd != null) {
      values.put(":end", millis(expectedEnd));
      set += ", #expectedEndAt = :end";
    }
    try {
      updateOwned(slot.index(), owner.id(), set, values, "");
    } catch (ConditionalCheckFailedException e) {
      throw lost(owner);
    }
  }

  /**
   * Before the file is sent: records that an upload attempt begins, unless the file is known to have
   * arrived or an earlier attempt's outcome is unknown (begun, and neither succeeded nor known to
   * have failed before its request was complete). One conditional write, on the version read: two
   * invocations of the same part (a Lambda retry while the first still runs) never both send.
   *
   * @throws SlotLostException when the owner no longer holds its slot: no upload without one
   */
  public UploadStart startUpload(SlotOwner owner) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Slot slot = requireActive(owner);
      if (slot.uploaded()) {
        return new UploadStart.AlreadyUploaded();
      }
      if (slot.uploadAttempts() > slot.uploadsSettled()) {
        return new UploadStart.InDoubt(slot.uploadAttempts());
      }
      int attempt = slot.uploadAttempts() + 1;
      try {
        updateOwned(slot.index(), owner.id(), "SET #uploadAttempts = :attempt, #leaseUntil = :lease",
            Map.of(":attempt", n(attempt), ":lease", millis(clock.instant().plus(config.lease())),
                ":seen", n(slot.version())), " AND #version = :seen");
        return new UploadStart.Send(attempt);
      } catch (ConditionalCheckFailedException raced) {
        // changed since we read it (released, or another invocation began an attempt): decide again
      }
    }
    throw new IllegalStateException("slot of " + owner.displayName() + " kept changing while an upload was starting");
  }

  /**
   * Upload attempt {@code attempt} is known not to have delivered the file (its request never became
   * complete, or S3 refused it unread): the next attempt may be sent. Writes nothing if another
   * attempt has begun since.
   */
  public void settleUpload(SlotOwner owner, int attempt) {
    Slot slot = requireActive(owner);
    try {
      updateOwned(slot.index(), owner.id(), "SET #uploadsSettled = :attempt",
          Map.of(":attempt", n(attempt)), " AND #uploadAttempts = :attempt");
    } catch (ConditionalCheckFailedException e) {
      // released, or a later attempt began: nothing of this one left to settle
    }
  }

  /**
   * APSIS has said "waiting for a file" for as long as a file could take to reach it after an
   * attempt whose outcome is unknown: takes that attempt as not delivered, so the file may be sent
   * once more, at most {@code maxResends} times per part. Returns false (and writes nothing) when
   * the part has used them up, or the file is known to have arrived.
   */
  public boolean giveUpOnUpload(SlotOwner owner, int maxResends) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Slot slot = requireActive(owner);
      if (slot.uploaded()) {
        return false;
      }
      if (slot.uploadAttempts() <= slot.uploadsSettled()) {
        return true; // nothing in doubt: the next attempt may start anyway
      }
      if (slot.uploadResends() >= maxResends) {
        return false;
      }
      try {
        updateOwned(slot.index(), owner.id(), "SET #uploadsSettled = :attempt, #uploadResends = :resends",
            Map.of(":attempt", n(slot.uploadAttempts()), ":resends", n(slot.uploadResends() + 1L),
                ":seen", n(slot.version())), " AND #version = :seen");
        return true;
      } catch (ConditionalCheckFailedException raced) {
        // changed since we read it: decide again
      }
    }
    throw new IllegalStateException("slot of " + owner.displayName() + " kept changing while giving up on an upload");
  }

  /** What the owner's slot knows of its upload attempts. */
  public UploadAttempts uploadAttempts(SlotOwner owner) {
    Slot slot = requireActive(owner);
    return new UploadAttempts(slot.uploadAttempts(), slot.uploadsSettled(), slot.uploadResends(), slot.uploaded());
  }

  /**
   * @param begun attempts begun; @param settled of those, how many are known not to have delivered
   *     the file (counted from the first); @param resends attempts in doubt given up on after APSIS
   *     kept waiting for the file; @param uploaded the file is known to have arrived
   */
  public record UploadAttempts(int begun, int settled, int resends, boolean uploaded) {
    public boolean inDoubt() {
      return !uploaded && begun > settled;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // how long imports take (docs/import-slots.md: the duration model's item)

  /** What this account's finished imports taught about APSIS's import durations (empty at first). */
  public DurationModel durations() {
    return readDurations().model();
  }

  private record StoredModel(DurationModel model, Long version) {}

  private StoredModel readDurations() {
    var item = ddb.getItem(b -> b.tableName(config.table()).consistentRead(true)
        .key(Map.of(PK, s(durationsPk), SK, s(MODEL_SK)))).item();
    if (item == null || !item.containsKey(MODEL) || !item.containsKey(VERSION)) {
      return new StoredModel(DurationModel.empty(), null);
    }
    List<AttributeValue> v = item.get(MODEL).l();
    double[] d = new double[v.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = Double.parseDouble(v.get(i).n());
    }
    var model = new DurationModel((int) d[0], new double[] {d[1], d[2], d[3], d[4], d[5], d[6]},
        new double[] {d[7], d[8], d[9]}, d[10], d[11], d[12]);
    return new StoredModel(model, Long.parseLong(item.get(VERSION).n()));
  }

  /**
   * Learns that an import of {@code rows} rows and {@code bytes} bytes took {@code seconds} at APSIS
   * (one conditional write on the model's item; a lost race reads again).
   *
   * @return the model after learning, or empty when the races kept being lost (it is only an estimate)
   */
  public Optional<DurationModel> learn(long rows, long bytes, double seconds) {
    for (int round = 0; round < LEARN_ROUNDS; round++) {
      StoredModel stored = readDurations();
      DurationModel next = stored.model().learn(rows, bytes, seconds);
      List<AttributeValue> numbers = new ArrayList<>();
      numbers.add(n(next.samples()));
      for (double g : next.gram()) {
        numbers.add(number(g));
      }
      for (double p : next.xy()) {
        numbers.add(number(p));
      }
      for (double x : new double[] {next.yy(), next.errorSum(), next.errorWeight()}) {
        numbers.add(number(x));
      }
      Map<String, AttributeValue> item = Map.of(PK, s(durationsPk), SK, s(MODEL_SK), MODEL, AttributeValue.fromL(numbers),
          VERSION, n(stored.version() == null ? 1 : stored.version() + 1), UPDATED_AT, millis(clock.instant()));
      try {
        if (stored.version() == null) {
          ddb.putItem(b -> b.tableName(config.table()).item(item).conditionExpression("attribute_not_exists(#pk)")
              .expressionAttributeNames(Map.of("#pk", PK)));
        } else {
          ddb.putItem(b -> b.tableName(config.table()).item(item).conditionExpression("#version = :seen")
              .expressionAttributeNames(Map.of("#version", VERSION))
              .expressionAttributeValues(Map.of(":seen", n(stored.version()))));
        }
        return Optional.of(next);
      } catch (ConditionalCheckFailedException raced) {
        // another part learned meanwhile: learn on top of it
      }
    }
    return Optional.empty();
  }

  /** A sum of the model as a DynamoDB number (which holds magnitudes down to 1E-130 only: smaller ones are 0). */
  private static AttributeValue number(double x) {
    if (!Double.isFinite(x)) {
      throw new IllegalArgumentException("not a number DynamoDB can store: " + x);
    }
    return AttributeValue.fromN(Math.abs(x) < 1e-100 ? "0" : java.math.BigDecimal.valueOf(x).toString());
  }

  private Slot requireActive(SlotOwner owner) {
    Slot slot = load().activeSlotOf(owner.id());
    if (slot == null) {
      throw lost(owner);
    }
    return slot;
  }

  private SlotLostException lost(SlotOwner owner) {
    return new SlotLostException(owner.displayName()
        + " no longer holds an APSIS import slot (released, or reclaimed after its lease expired)");
  }

  /**
   * An update on a slot that only succeeds while {@code ownerId} still holds it (not released);
   * it bumps the version so that concurrent version-conditioned takeovers and releases fail.
   */
  private void updateOwned(int index, String ownerId, String set, Map<String, AttributeValue> values, String extraCondition) {
    Map<String, AttributeValue> v = new HashMap<>(values);
    v.put(":owner", s(ownerId));
    v.put(":one", n(1));
    String update = set + " ADD #version :one";
    String condition = "#owner = :owner AND attribute_not_exists(#holdUntil)" + extraCondition;
    // Only the names the expressions use: DynamoDB refuses an unused one.
    Map<String, String> names = new HashMap<>();
    Matcher used = EXPRESSION_NAME.matcher(update + " " + condition);
    while (used.find()) {
      String attribute = ATTRIBUTES.get(used.group());
      if (attribute == null) {
        throw new IllegalArgumentException("no attribute for " + used.group());
      }
      names.put(used.group(), attribute);
    }
    ddb.updateItem(b -> b.tableName(config.table()).key(slotKeyMap(index))
        .updateExpression(update)
        .conditionExpression(condition)
        .expressionAttributeNames(names)
        .expressionAttributeValues(v));
  }

  private static final Pattern EXPRESSION_NAME = Pattern.compile("#[A-Za-z]+");
  private static final Map<String, String> ATTRIBUTES = Map.ofEntries(Map.entry("#owner", OWNER),
      Map.entry("#holdUntil", HOLD_UNTIL), Map.entry("#version", VERSION), Map.entry("#leaseUntil", LEASE_UNTIL),
      Map.entry("#importId", IMPORT_ID), Map.entry("#urlExpiresAt", URL_EXPIRES_AT), Map.entry("#ticket", TICKET),
      Map.entry("#uploaded", UPLOADED), Map.entry("#expectedEndAt", EXPECTED_END_AT),
      Map.entry("#uploadAttempts", UPLOAD_ATTEMPTS),
      Map.entry("#uploadsSettled", UPLOADS_SETTLED), Map.entry("#uploadResends", UPLOAD_RESENDS));

  // ---------------------------------------------------------------------------------------------
  // release

  /**
   * Gives the owner's slot back. Idempotent: releasing again, or releasing an owner that holds
   * nothing, changes nothing. Also forgets the owner's waiter record.
   */
  public void release(SlotOwner owner, ReleaseReason reason) {
    Objects.requireNonNull(reason, "reason");
    String me = owner.id();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      State state = load();
      Slot slot = state.releasableSlotOf(me, reason, clock.instant());
      if (slot == null) {
        break;
      }
      try {
        releaseSlot(slot, reason, clock.instant());
        break;
      } catch (ConditionalCheckFailedException raced) {
        // renewed, attached or taken over since we read it: decide again
      }
    }
    deleteWaiter(me);
  }

  /**
   * Releases every slot the execution's parts hold and forgets its waiters (the reaper's call when
   * an execution failed, timed out or was aborted).
   *
   * @return how many slots changed state
   */
  public int releaseAll(String executionArn, ReleaseReason reason) {
    Objects.requireNonNull(executionArn, "executionArn");
    Objects.requireNonNull(reason, "reason");
    int released = 0;
    State state = null;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      state = load();
      boolean raced = false;
      for (Slot slot : state.slots().values()) {
        if (executionArn.equals(slot.exec()) && slot.releasable(reason, clock.instant())) {
          try {
            releaseSlot(slot, reason, clock.instant());
            released++;
          } catch (ConditionalCheckFailedException e) {
            raced = true;
          }
        }
      }
      if (!raced) {
        break;
      }
    }
    for (Waiter w : state.waiters()) {
      if (executionArn.equals(w.exec())) {
        deleteWaiter(w.ownerId());
      }
    }
    return released;
  }

  /**
   * ABANDONED with an import APSIS still counts keeps the slot held: until the upload URL expires
   * when nothing was uploaded, until the current lease expires when the file was uploaded.
   */
  private void releaseSlot(Slot slot, ReleaseReason reason, Instant now) {
    Instant holdUntil = null;
    if (reason == ReleaseReason.ABANDONED && slot.active() && slot.importId() != null) {
      if (!slot.uploaded() && slot.urlExpiresAt() != null && slot.urlExpiresAt().isAfter(now)) {
        holdUntil = slot.urlExpiresAt();
      } else if (slot.uploaded() && slot.leaseUntil().isAfter(now)) {
        holdUntil = slot.leaseUntil();
      }
      if (holdUntil != null && holdUntil.isAfter(now.plus(MAX_HOLD))) {
        holdUntil = now.plus(MAX_HOLD);
      }
    }
    if (holdUntil == null) {
      Map<String, AttributeValue> item = new HashMap<>();
      item.put(PK, s(pk));
      item.put(SK, s(slotKey(slot.index())));
      item.put(VERSION, n(slot.version() + 1));
      item.put(RELEASED_AT, millis(now));
      putSlot(slot, item);
    } else {
      Instant hold = holdUntil;
      // The ticket goes: nobody may upload on an abandoned import.
      ddb.updateItem(b -> b.tableName(config.table()).key(slotKeyMap(slot.index()))
          .updateExpression("SET #holdUntil = :hold, #releasedAt = :now, #version = :next REMOVE #ticket")
          .conditionExpression("#version = :seen")
          .expressionAttributeNames(Map.of("#holdUntil", HOLD_UNTIL, "#releasedAt", RELEASED_AT, "#version", VERSION,
              "#ticket", TICKET))
          .expressionAttributeValues(Map.of(":hold", millis(hold), ":now", millis(now),
              ":next", n(slot.version() + 1), ":seen", n(slot.version()))));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // inspection

  /** Every slot 0..maxSlots-1 (free ones with a null owner), plus any occupied slot beyond maxSlots. */
  public List<SlotView> slots() {
    State state = load();
    Instant now = clock.instant();
    List<SlotView> views = new ArrayList<>();
    for (Slot s : state.allSlotsUpTo(config.maxSlots())) {
      if (s.index() < config.maxSlots() || !s.free(now)) {
        views.add(s.free(now)
            ? new SlotView(s.index(), null, null, null, null, false)
            : new SlotView(s.index(), s.owner(), s.leaseUntil(), s.holdUntil(), s.importId(), s.uploaded()));
      }
    }
    return List.copyOf(views);
  }

  private String timeoutMessage(SlotOwner owner, Duration waited, int rounds, State state, Instant now) {
    StringBuilder sb = new StringBuilder()
        .append(owner.displayName()).append(" waited ").append(human(waited))
        .append(" for an APSIS import slot (limit ").append(human(config.maxWait()))
        .append(rounds >= MAX_ASKS ? "; asked " + rounds + " times, the most a part's execution asks" : "")
        .append("); all ")
        .append(config.maxSlots()).append(" slots of account ").append(config.accountKey()).append(" are held: ");
    List<String> holders = new ArrayList<>();
    for (int i = 0; i < config.maxSlots(); i++) {
      Slot s = state.slot(i);
      if (s.owner() == null) {
        holders.add("slot " + i + " free (taken by an older waiter)");
        continue;
      }
      String who = SlotOwner.executionName(s.exec() == null ? s.owner() : s.exec()) + "#" + s.part();
      String importPart = s.importId() == null ? "" : ", APSIS import " + s.importId();
      if (s.holdUntil() != null) {
        holders.add("slot " + i + " held after " + who + " gave up" + importPart + " until " + s.holdUntil());
      } else {
        holders.add("slot " + i + " by " + who + importPart + ", lease until " + s.leaseUntil());
      }
    }
    sb.append(String.join("; ", holders));
    int waiting = (int) state.waiters().stream().filter(w -> w.live(now) && !w.ownerId().equals(owner.id())).count();
    if (waiting > 0) {
      sb.append("; ").append(waiting).append(" other part(s) waiting");
    }
    return sb.toString();
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? "%dh %02dm %02ds".formatted(s / 3600, s % 3600 / 60, s % 60)
        : s >= 60 ? "%dm %02ds".formatted(s / 60, s % 60) : s + "s";
  }

  // ---------------------------------------------------------------------------------------------
  // waiters

  private void putWaiter(SlotOwner owner, Instant waitingSince, Instant nextCheckBy) {
    ddb.updateItem(b -> b.tableName(config.table()).key(waiterKeyMap(owner.id()))
        .updateExpression("SET #owner = :owner, #exec = :exec, #waitingSince = :since, #next = :next, #ttl = :ttl"
            + " REMOVE #token")
        .expressionAttributeNames(Map.of("#owner", OWNER, "#exec", EXEC, "#waitingSince", WAITING_SINCE,
            "#next", NEXT_CHECK_BY, "#ttl", TTL, "#token", TOKEN))
        .expressionAttributeValues(Map.of(":owner", s(owner.id()), ":exec", s(owner.executionArn()),
            ":since", millis(waitingSince), ":next", millis(nextCheckBy),
            ":ttl", n(nextCheckBy.plus(WAITER_TTL).getEpochSecond()))));
  }

  /**
   * Parks the Step Functions task token of a waiter that was told to wait: a release hands it to
   * {@link #waitersToWake()}, so the waiter comes back when a slot frees instead of at the end of
   * its back-off. Without a waiter record (it took a slot or was released meanwhile) nothing is
   * parked: its task simply times out and it asks again.
   */
  public void park(SlotOwner owner, String taskToken) {
    try {
      ddb.updateItem(b -> b.tableName(config.table()).key(waiterKeyMap(owner.id()))
          .updateExpression("SET #token = :token")
          .conditionExpression("attribute_exists(#sk)")
          .expressionAttributeNames(Map.of("#token", TOKEN, "#sk", SK))
          .expressionAttributeValues(Map.of(":token", s(taskToken))));
    } catch (ConditionalCheckFailedException noWaiterRecord) {
      // see above: the back-off timeout brings it back
    }
  }

  /**
   * The parked task tokens of the oldest live waiters, one per slot free now, each handed out once
   * (a conditional REMOVE claims it). The caller wakes them; a token whose task already ended is
   * harmless to wake.
   */
  public List<String> waitersToWake() {
    Instant now = clock.instant();
    State state = load();
    long free = state.allSlotsUpTo(config.maxSlots()).stream()
        .filter(s -> s.index() < config.maxSlots() && s.free(now)).count();
    if (free == 0) {
      return List.of();
    }
    // The oldest live waiters are the ones acquire() serves first; one of them without a parked token
    // is between its "no slot" and its park(), and park() wakes waiters itself.
    List<Waiter> queue = state.waiters().stream().filter(w -> w.live(now) && w.waitingSince() != null)
        .sorted(Comparator.comparing(Waiter::waitingSince).thenComparing(Waiter::ownerId))
        .limit(free).filter(w -> w.token() != null).toList();
    List<String> tokens = new ArrayList<>();
    for (Waiter w : queue) {
      try {
        ddb.updateItem(b -> b.tableName(config.table()).key(waiterKeyMap(w.ownerId()))
            .updateExpression("REMOVE #token").conditionExpression("#token = :token")
            .expressionAttributeNames(Map.of("#token", TOKEN))
            .expressionAttributeValues(Map.of(":token", s(w.token()))));
        tokens.add(w.token());
      } catch (ConditionalCheckFailedException claimedElsewhere) {
        // another release woke it, or it re-registered with a new token
      }
    }
    return tokens;
  }

  private void deleteWaiterIfSeen(State state, String ownerId) {
    if (state.waiters().stream().anyMatch(w -> w.ownerId().equals(ownerId))) {
      deleteWaiter(ownerId);
    }
  }

  private void deleteWaiter(String ownerId) {
    ddb.deleteItem(b -> b.tableName(config.table()).key(waiterKeyMap(ownerId)));
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  private State load() {
    Map<Integer, Slot> slots = new TreeMap<>();
    List<Waiter> waiters = new ArrayList<>();
    // The ticket stays out of every read but ticket(): it never reaches views, messages or logs.
    QueryRequest request = QueryRequest.builder().tableName(config.table()).consistentRead(true)
        .keyConditionExpression("#pk = :pk")
        .projectionExpression(String.join(",", "#pk", "#sk", "#owner", "#exec", "#part", "#leaseUntil", "#holdUntil",
            "#importId", "#urlExpiresAt", "#uploaded", "#uploadAttempts", "#uploadsSettled", "#uploadResends",
            "#version", "#waitingSince", "#next", "#token", "#acquiredAt", "#expectedEndAt"))
        .expressionAttributeNames(Map.ofEntries(Map.entry("#pk", PK), Map.entry("#sk", SK), Map.entry("#owner", OWNER),
            Map.entry("#exec", EXEC), Map.entry("#part", PART), Map.entry("#leaseUntil", LEASE_UNTIL),
            Map.entry("#holdUntil", HOLD_UNTIL), Map.entry("#importId", IMPORT_ID),
            Map.entry("#urlExpiresAt", URL_EXPIRES_AT), Map.entry("#uploaded", UPLOADED),
            Map.entry("#uploadAttempts", UPLOAD_ATTEMPTS), Map.entry("#uploadsSettled", UPLOADS_SETTLED),
            Map.entry("#uploadResends", UPLOAD_RESENDS), Map.entry("#version", VERSION), Map.entry("#waitingSince", WAITING_SINCE),
            Map.entry("#next", NEXT_CHECK_BY), Map.entry("#token", TOKEN), Map.entry("#acquiredAt", ACQUIRED_AT),
            Map.entry("#expectedEndAt", EXPECTED_END_AT)))
        .expressionAttributeValues(Map.of(":pk", s(pk)))
        .build();
    for (Map<String, AttributeValue> item : ddb.queryPaginator(request).items()) {
      String sk = item.get(SK).s();
      if (sk.startsWith(SLOT_PREFIX)) {
        Slot slot = Slot.from(item);
        slots.put(slot.index(), slot);
      } else if (sk.startsWith(WAITER_PREFIX) && item.containsKey(WAITING_SINCE) && item.containsKey(OWNER)) {
        waiters.add(new Waiter(item.get(OWNER).s(), str(item, EXEC), instant(item, WAITING_SINCE),
            instant(item, NEXT_CHECK_BY), str(item, TOKEN)));
      }
    }
    return new State(slots, waiters);
  }

  record Slot(int index, boolean exists, long version, String owner, String exec, int part,
      Instant leaseUntil, Instant holdUntil, String importId, Instant urlExpiresAt, boolean uploaded,
      int uploadAttempts, int uploadsSettled, int uploadResends, Instant acquiredAt, Instant expectedEndAt) {

    /** A slot without upload attempts recorded. */
    Slot(int index, boolean exists, long version, String owner, String exec, int part, Instant leaseUntil,
        Instant holdUntil, String importId, Instant urlExpiresAt, boolean uploaded, Instant acquiredAt,
        Instant expectedEndAt) {
      this(index, exists, version, owner, exec, part, leaseUntil, holdUntil, importId, urlExpiresAt, uploaded, 0, 0, 0,
          acquiredAt, expectedEndAt);
    }

    static Slot absent(int index) {
      return new Slot(index, false, 0, null, null, 0, null, null, null, null, false, 0, 0, 0, null, null);
    }

    static Slot from(Map<String, AttributeValue> item) {
      int index = Integer.parseInt(item.get(SK).s().substring(SLOT_PREFIX.length()));
      AttributeValue part = item.get(PART);
      AttributeValue uploaded = item.get(UPLOADED);
      AttributeValue version = item.get(VERSION);
      return new Slot(index, true, version == null ? 0 : Long.parseLong(version.n()), str(item, OWNER), str(item, EXEC),
          part == null ? 0 : Integer.parseInt(part.n()), instant(item, LEASE_UNTIL), instant(item, HOLD_UNTIL),
          str(item, IMPORT_ID), instant(item, URL_EXPIRES_AT), uploaded != null && Boolean.TRUE.equals(uploaded.bool()),
          count(item, UPLOAD_ATTEMPTS), count(item, UPLOADS_SETTLED), count(item, UPLOAD_RESENDS),
          instant(item, ACQUIRED_AT), instant(item, EXPECTED_END_AT));
    }

    /** Held by its owner (not released). */
    boolean active() {
      return owner != null && holdUntil == null;
    }

    /**
     * What a release with {@code reason} acts on: a slot its owner holds, or, once APSIS reported
     * the import terminal, a slot still held after an ABANDONED release.
     */
    boolean releasable(ReleaseReason reason, Instant now) {
      return active() || (reason == ReleaseReason.IMPORT_FINISHED && owner != null && !free(now));
    }

    /** Free: never taken, released, or held after release and the hold has passed. */
    boolean free(Instant now) {
      return owner == null || (holdUntil != null && !holdUntil.isAfter(now));
    }
  }

  record Waiter(String ownerId, String exec, Instant waitingSince, Instant nextCheckBy, String token) {
    boolean live(Instant now) {
      return nextCheckBy != null && nextCheckBy.isAfter(now);
    }
  }

  record State(Map<Integer, Slot> slots, List<Waiter> waiters) {
    Slot slot(int index) {
      Slot s = slots.get(index);
      return s != null ? s : Slot.absent(index);
    }

    List<Slot> allSlotsUpTo(int maxSlots) {
      Map<Integer, Slot> all = new TreeMap<>(slots);
      for (int i = 0; i < maxSlots; i++) {
        all.putIfAbsent(i, Slot.absent(i));
      }
      return new ArrayList<>(all.values());
    }

    Slot activeSlotOf(String ownerId) {
      return slots.values().stream().filter(s -> s.active() && ownerId.equals(s.owner())).findFirst().orElse(null);
    }

    /** The owner's active slot, or (for IMPORT_FINISHED) a slot still held after its release. */
    Slot releasableSlotOf(String ownerId, ReleaseReason reason, Instant now) {
      Slot active = activeSlotOf(ownerId);
      if (active != null) {
        return active;
      }
      return slots.values().stream().filter(s -> ownerId.equals(s.owner()) && s.releasable(reason, now))
          .findFirst().orElse(null);
    }

    /** Live waiters that arrived before (waitingSince, id) and hold no slot: they are served first. */
    int waitersAhead(String ownerId, Instant waitingSince, Instant now) {
      Set<String> holders = new HashSet<>();
      slots.values().stream().filter(Slot::active).forEach(s -> holders.add(s.owner()));
      int ahead = 0;
      for (Waiter w : waiters) {
        if (w.live(now) && !w.ownerId().equals(ownerId) && !holders.contains(w.ownerId())
            && w.waitingSince() != null && isBefore(w.waitingSince(), w.ownerId(), waitingSince, ownerId)) {
          ahead++;
        }
      }
      return ahead;
    }

    private static boolean isBefore(Instant a, String aId, Instant b, String bId) {
      int c = a.compareTo(b);
      return c < 0 || (c == 0 && aId.compareTo(bId) < 0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // keys and values

  private static String slotKey(int index) {
    return SLOT_PREFIX + "%02d".formatted(index);
  }

  private Map<String, AttributeValue> slotKeyMap(int index) {
    return Map.of(PK, s(pk), SK, s(slotKey(index)));
  }

  private Map<String, AttributeValue> waiterKeyMap(String ownerId) {
    return Map.of(PK, s(pk), SK, s(WAITER_PREFIX + ownerId));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static AttributeValue millis(Instant instant) {
    return n(instant.toEpochMilli());
  }

  private static String str(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null ? null : v.s();
  }

  private static int count(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null || v.n() == null ? 0 : Integer.parseInt(v.n());
  }

  private static Instant instant(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null || v.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(v.n()));
  }
}
