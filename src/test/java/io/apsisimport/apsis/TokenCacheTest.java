package io.apsisimport.apsis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

// Unit tests: TokenCache without HTTP — when a token is refreshed (its lifetime and margin), that a
// fresh token is reused and that only the token that drew a 403 is forgotten.
class TokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration MARGIN = Duration.ofMinutes(5);

    private static String jwt(long exp) {
        String payload = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(("{\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8));
        return "eyJhbGciOiJub25lIn0." + payload + ".sig";
    }

    @Test
    void theJwtExpiryWinsOverExpiresIn() {
        String token = jwt(NOW.plusSeconds(3600).getEpochSecond());
        assertEquals(
                NOW.plusSeconds(3600).minus(MARGIN),
                TokenCache.issued(token, 60L, NOW, MARGIN).refreshAt());
    }

    @Test
    void anOpaqueTokenLivesExpiresInSecondsOrTheFallback() {
        assertEquals(
                NOW.plusSeconds(3600).minus(MARGIN),
                TokenCache.issued("opaque", 3600L, NOW, MARGIN).refreshAt());
        assertEquals(
                NOW.plus(TokenCache.FALLBACK_TOKEN_LIFETIME).minus(MARGIN),
                TokenCache.issued("opaque", null, NOW, MARGIN).refreshAt());
        assertEquals(
                NOW.plus(TokenCache.FALLBACK_TOKEN_LIFETIME).minus(MARGIN),
                TokenCache.issued("opaque", 0L, NOW, MARGIN).refreshAt(),
                "expires_in 0 says nothing");
    }

    @Test
    void aShortLivedTokenIsRefreshedAtHalfItsLife() {
        assertEquals(
                NOW.plusSeconds(60),
                TokenCache.issued("opaque", 120L, NOW, MARGIN).refreshAt());
    }

    @Test
    void anAlreadyExpiredTokenIsRefreshedAtItsExpiry() {
        String token = jwt(NOW.minusSeconds(10).getEpochSecond());
        assertEquals(
                NOW.minusSeconds(10),
                TokenCache.issued(token, null, NOW, MARGIN).refreshAt());
    }

    @Test
    void aFreshTokenIsReusedAndOnlyTheRefusedOneIsForgotten() {
        var cache = new TokenCache(Clock.fixed(NOW, ZoneOffset.UTC));
        var fetches = new AtomicInteger();
        TokenCache.Fetch fetch = d -> new TokenCache.Token("t" + fetches.incrementAndGet(), NOW.plusSeconds(60));
        assertNull(cache.current());
        assertEquals("t1", cache.get(Deadline.none(), fetch));
        assertEquals("t1", cache.get(Deadline.none(), fetch));
        cache.invalidate("some other token");
        assertEquals("t1", cache.current());
        cache.invalidate("t1");
        assertNull(cache.current());
        assertEquals("t2", cache.get(Deadline.none(), fetch));
        assertEquals(2, fetches.get());
    }

    @Test
    void aTokenPastItsRefreshInstantIsFetchedAgain() {
        var cache = new TokenCache(Clock.fixed(NOW, ZoneOffset.UTC));
        var fetches = new AtomicInteger();
        TokenCache.Fetch fetch = d -> new TokenCache.Token("t" + fetches.incrementAndGet(), NOW);
        assertEquals("t1", cache.get(Deadline.none(), fetch));
        assertEquals("t2", cache.get(Deadline.none(), fetch), "refreshAt is not before now: stale");
    }
}
