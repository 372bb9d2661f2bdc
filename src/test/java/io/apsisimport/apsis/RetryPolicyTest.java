package io.apsisimport.apsis;

// Unit tests of RetryPolicy, the APSIS client's retry decision, without HTTP: the table below is the
// retry table of docs/apsis-client.md, row for row (tests check that the two have the same rows and
// that each cell here says what the doc's cell says).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.RetryPolicy.Accept;
import io.apsisimport.apsis.RetryPolicy.Call;
import io.apsisimport.apsis.RetryPolicy.Decision;
import io.apsisimport.apsis.RetryPolicy.GiveUp;
import io.apsisimport.apsis.RetryPolicy.Retry;
import io.apsisimport.apsis.RetryPolicy.RetryWithFreshToken;
import io.apsisimport.apsis.RetryPolicy.Stop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    /** Always draws the top of the range, so that a back-off equals its ceiling. */
    static final RandomGenerator TOP = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    static final ApsisClient.Options OPTIONS = ApsisClient.Options.defaults().withRandom(TOP);
    static final RetryPolicy POLICY = new RetryPolicy(OPTIONS);
    static final Duration PLENTY = Duration.ofMinutes(5);

    /**
     * The retry table of docs/apsis-client.md. Columns: the doc's situation (its first column, word for
     * word), the HTTP status of the attempt ({@code none}: no HTTP answer; the policy cannot tell a
     * refused connection from a dropped one, and treats them alike, as the table does), then what the
     * policy decides after a first attempt with time to spare, for the token request, the status
     * request and the import request. {@code retry}: wait, then another attempt; {@code fresh token}:
     * drop the token, try once more at once; {@code accept}: the answer goes to the caller; otherwise
     * the exception the call ends with, not retried.
     */
    static final String TABLE = """
            situation                                                       | status | token        | status call  | import request
            429                                                             | 429    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 408    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 500    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 502    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 503    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 504    | retry        | retry        | retry
            408, 500, 502, 503, 504, other 5xx                              | 599    | retry        | retry        | retry
            connection refused / connect timeout                            | none   | retry        | retry        | retry
            timeout after the request was sent, connection reset or dropped | none   | retry        | retry        | retry
            2xx whose body is not an import ticket                          | 200    | accept       | accept       | accept
            2xx whose body is not an import ticket                          | 201    | accept       | accept       | accept
            403/401                                                         | 403    | AUTHENTICATION | fresh token | fresh token
            403/401                                                         | 401    | AUTHENTICATION | fresh token | fresh token
            other 4xx                                                       | 400    | AUTHENTICATION | INVALID_REQUEST | INVALID_REQUEST
            other 4xx                                                       | 404    | NOT_FOUND    | NOT_FOUND    | NOT_FOUND
            other 4xx                                                       | 409    | INVALID_REQUEST | INVALID_REQUEST | INVALID_REQUEST
            other 4xx                                                       | 422    | INVALID_REQUEST | INVALID_REQUEST | INVALID_REQUEST
            """;

    // The "2xx whose body is not an import ticket" row: the policy hands every 2xx to the caller, and
    // requestImport turns a body that is not a ticket into ApsisTransientException
    // (ApsisClientTest, "not an import ticket"), which the state machine retries.
    // The "403/401" row for the token request: the client reads the credentials again on
    // AUTHENTICATION and asks once more only if they changed (ApsisClient.fetchToken, CredentialsAndJitterTest).

    static List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] cells = line.split("\\|");
            for (int i = 0; i < cells.length; i++) {
                cells[i] = cells[i].strip();
            }
            rows.add(cells);
        }
        return rows.subList(1, rows.size());
    }

    /**
     * What each cell of the doc's table allows in this one: a doc cell not listed here (the doc
     * changed) fails the test until the table here changes with it.
     */
    static final Map<String, Set<String>> DOC_CELLS = Map.of(
            "retry",
            Set.of("retry"),
            "typed error, not retried",
            Set.of("AUTHENTICATION", "INVALID_REQUEST", "NOT_FOUND", "NOT_ALLOWED"),
            "status: one token refresh + one retry; token: the credentials read again, one retry if they changed",
            Set.of("fresh token", "AUTHENTICATION"),
            "one token refresh + one retry",
            Set.of("fresh token"),
            // The policy hands the 2xx over; the caller reads the body (see the comment on the table).
            "—",
            Set.of("accept"),
            "`ApsisTransientException` (retried by the state machine)",
            Set.of("accept"));

    /** The doc's retry table: situation → {cell for the status and token calls, cell for the import request}. */
    static Map<String, String[]> docTable() throws IOException {
        Map<String, String[]> doc = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("docs/apsis-client.md"))) {
            if (line.startsWith("| situation |")) {
                inTable = true;
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            if (inTable && !line.startsWith("|---")) {
                String[] cells = line.split("\\|");
                doc.put(cells[1].strip(), new String[] {cells[2].strip(), cells[3].strip()});
            }
        }
        return doc;
    }

    @Test
    void theTableHereHasTheRowsOfTheRetryTableInTheDoc() throws IOException {
        Set<String> here = new LinkedHashSet<>();
        for (String[] row : rows()) {
            here.add(row[0]);
        }
        assertEquals(List.copyOf(docTable().keySet()), List.copyOf(here));
    }

    @Test
    void eachCellHereSaysWhatTheDocsCellSays() throws IOException {
        Map<String, String[]> doc = docTable();
        for (String[] row : rows()) {
            String[] cells = doc.get(row[0]);
            // The doc's first column is the status and token calls, its second the import request.
            String[] docCell = {cells[0], cells[0], cells[1]};
            for (int c = 0; c < 3; c++) {
                Set<String> allowed = DOC_CELLS.get(docCell[c]);
                assertTrue(allowed != null, "a cell of the doc's table this test does not know: " + docCell[c]);
                assertTrue(
                        allowed.contains(row[2 + c]),
                        row[0] + " (" + row[1] + "): '" + row[2 + c] + "' here, '" + docCell[c] + "' in the doc");
            }
        }
    }

    @Test
    void everyRowOfTheTableDecidesAsWritten() {
        int checked = 0;
        for (String[] row : rows()) {
            int status = row[1].equals("none") ? RetryPolicy.NO_ANSWER : Integer.parseInt(row[1]);
            Call[] calls = {Call.TOKEN, Call.STATUS, Call.IMPORT_REQUEST};
            for (int c = 0; c < calls.length; c++) {
                Decision d = POLICY.decide(calls[c], status, 1, false, null, PLENTY);
                String where = row[0] + " (" + row[1] + "), " + calls[c];
                String expected = row[2 + c];
                switch (expected) {
                    case "retry" -> assertInstanceOf(Retry.class, d, where);
                    case "fresh token" -> assertInstanceOf(RetryWithFreshToken.class, d, where);
                    case "accept" -> assertInstanceOf(Accept.class, d, where);
                    default -> assertEquals(new Stop(GiveUp.valueOf(expected), false, null), d, where);
                }
                checked++;
            }
        }
        assertEquals(17 * 3, checked);
    }

    @ParameterizedTest
    @CsvSource({"STATUS, 403", "STATUS, 401", "IMPORT_REQUEST, 403", "IMPORT_REQUEST, 401"})
    void a403Or401AfterTheFreshTokenIsNotAllowed(Call call, int status) {
        assertEquals(new Stop(GiveUp.NOT_ALLOWED, false, null), POLICY.decide(call, status, 1, true, null, PLENTY));
    }

    @Test
    void theBackOffIsFullJitterUpToTheCappedExponential() {
        // Defaults: base 250 ms, cap 8 s; TOP draws the ceiling.
        long[] ceilings = {250, 500, 1000, 2000, 4000, 8000, 8000};
        for (int attempt = 1; attempt <= ceilings.length; attempt++) {
            assertEquals(
                    new Retry(Duration.ofMillis(ceilings[attempt - 1])),
                    new RetryPolicy(OPTIONS.withMaxAttempts(100))
                            .decide(Call.STATUS, 500, attempt, false, null, PLENTY),
                    "attempt " + attempt);
        }
        RandomGenerator bottom = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return 0;
            }
        };
        assertEquals(
                new Retry(Duration.ZERO),
                new RetryPolicy(OPTIONS.withRandom(bottom))
                        .decide(Call.STATUS, RetryPolicy.NO_ANSWER, 3, false, null, PLENTY));
    }

    @ParameterizedTest
    @CsvSource({"429", "503"})
    void retryAfterReplacesTheBackOffFor429And503(int status) {
        assertEquals(
                new Retry(Duration.ofSeconds(7)),
                POLICY.decide(Call.IMPORT_REQUEST, status, 1, false, Duration.ofSeconds(7), PLENTY));
    }

    @Test
    void retryAfterOnOtherStatusesIsIgnored() {
        assertEquals(
                new Retry(Duration.ofMillis(250)),
                POLICY.decide(Call.IMPORT_REQUEST, 500, 1, false, Duration.ofSeconds(7), PLENTY));
    }

    @Test
    void whenTheAttemptsAreSpentA429IsRateLimitedAndAnythingElseTransient() {
        int last = OPTIONS.maxAttempts();
        assertEquals(
                new Stop(GiveUp.RATE_LIMITED, false, Duration.ofSeconds(3)),
                POLICY.decide(Call.STATUS, 429, last, false, Duration.ofSeconds(3), PLENTY));
        for (int status : new int[] {408, 500, 502, 503, 504, RetryPolicy.NO_ANSWER}) {
            assertEquals(
                    new Stop(GiveUp.TRANSIENT, false, null),
                    POLICY.decide(Call.IMPORT_REQUEST, status, last, false, null, PLENTY),
                    "status " + status);
        }
        assertInstanceOf(Retry.class, POLICY.decide(Call.STATUS, 500, last - 1, false, null, PLENTY));
    }

    @Test
    void aWaitThatWouldNotLeaveTimeForAnAttemptIsNotStarted() {
        // Waiting 7 s needs 7 s + minAttemptTime (2 s) left.
        Duration wait = Duration.ofSeconds(7);
        assertEquals(new Retry(wait), POLICY.decide(Call.STATUS, 429, 1, false, wait, Duration.ofSeconds(9)));
        assertEquals(
                new Stop(GiveUp.RATE_LIMITED, true, wait),
                POLICY.decide(Call.STATUS, 429, 1, false, wait, Duration.ofMillis(8999)));
        assertEquals(
                new Stop(GiveUp.TRANSIENT, true, null),
                POLICY.decide(Call.STATUS, 503, 1, false, wait, Duration.ofMillis(8999)));
        // Back-off after attempt 1 is at most 250 ms here: 2.25 s are enough, 2.2 s not.
        assertInstanceOf(
                Retry.class, POLICY.decide(Call.TOKEN, RetryPolicy.NO_ANSWER, 1, false, null, Duration.ofMillis(2250)));
        assertEquals(
                new Stop(GiveUp.TRANSIENT, true, null),
                POLICY.decide(Call.TOKEN, RetryPolicy.NO_ANSWER, 1, false, null, Duration.ofMillis(2200)));
    }

    @Test
    void noAttemptStartsWithLessThanTheMinimumAttemptTimeAndAnAttemptGetsAtMostTheTimeLeft() {
        assertTrue(POLICY.mayStart(Duration.ofSeconds(2)));
        assertEquals(false, POLICY.mayStart(Duration.ofMillis(1999)));
        assertEquals(Duration.ofSeconds(20), POLICY.attemptTimeout(PLENTY));
        assertEquals(Duration.ofSeconds(3), POLICY.attemptTimeout(Duration.ofSeconds(3)));
        assertEquals(GiveUp.RATE_LIMITED, RetryPolicy.outOfTime(429));
        assertEquals(GiveUp.TRANSIENT, RetryPolicy.outOfTime(503));
        assertEquals(GiveUp.TRANSIENT, RetryPolicy.outOfTime(RetryPolicy.NO_ANSWER));
    }
}
