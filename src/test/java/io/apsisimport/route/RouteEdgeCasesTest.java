package io.apsisimport.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

// Unit tests: globs at the edges of the pattern and errors in a later route (found by mutation testing).
class RouteEdgeCasesTest {

    @Test
    void aGlobMayEndWithASingleStar() {
        var p = Route.glob("inbox/*");
        assertTrue(p.matcher("inbox/a.csv").matches());
        assertFalse(p.matcher("inbox/a/b.csv").matches());
    }

    @Test
    void aGlobMayStartWithADoubleStar() {
        var p = Route.glob("**/*.csv");
        assertTrue(p.matcher("a.csv").matches());
        assertTrue(p.matcher("inbox/x/a.csv").matches());
        assertFalse(p.matcher("inbox/a.txt").matches());
        var tail = Route.glob("inbox/**");
        assertTrue(tail.matcher("inbox/x/y.csv").matches());
        assertFalse(tail.matcher("other/x.csv").matches());
    }

    @Test
    void anErrorInALaterRouteNamesItsIndex() {
        String json = """
        {"routes": [
          {"name": "a", "match": "inbox/*.csv", "section": "s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}},
          {"name": "b", "match": "x/*.csv", "section": "s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}},
          {"match": "y"}]}""";
        var e = assertThrows(
                InvalidRoutesException.class,
                () -> RouteConfig.parse(
                        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "routes.json"));
        assertTrue(e.getMessage().startsWith("routes.json: routes[2]: field \"name\""), e.getMessage());
    }

    @Test
    void routesKeepTheirOrder() {
        String json = """
        {"routes": [
          {"name": "a", "match": "inbox/*.csv", "section": "s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}},
          {"name": "b", "match": "**", "section": "s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}}]}""";
        var config = RouteConfig.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "routes.json");
        assertEquals("a", config.routeFor("inbox/x.csv").orElseThrow().name());
        assertEquals("b", config.routeFor("other/x.csv").orElseThrow().name());
    }
}
