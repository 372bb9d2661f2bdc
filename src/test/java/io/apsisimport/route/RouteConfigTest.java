package io.apsisimport.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

// Unit tests: the routes.json contract (globs, first match wins, messages naming route and field).
class RouteConfigTest {
    private static RouteConfig parse(String json) {
        return RouteConfig.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "routes.json");
    }

    private static String route(String name, String match) {
        return """
        {"name": "%s", "match": "%s", "section": "s1",
         "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "email"}}}
        """.formatted(name, match);
    }

    @Test
    void singleStarStaysWithinOneSegment() {
        var p = Route.glob("inbox/newsletter/*.csv");
        assertTrue(p.matcher("inbox/newsletter/a.csv").matches());
        assertFalse(p.matcher("inbox/newsletter/2026/a.csv").matches());
        assertFalse(p.matcher("inbox/newsletter/a.csv.tmp").matches());
    }

    @Test
    void doubleStarCrossesSegmentsIncludingNone() {
        var p = Route.glob("inbox/**/*.csv");
        assertTrue(p.matcher("inbox/a.csv").matches());
        assertTrue(p.matcher("inbox/x/y/a.csv").matches());
        assertFalse(p.matcher("archive/inbox/a.csv").matches());
        assertTrue(Route.glob("inbox/**").matcher("inbox/deep/er/file").matches());
    }

    @Test
    void globMetacharactersAreLiteral() {
        assertTrue(Route.glob("inbox/a+b (1).csv").matcher("inbox/a+b (1).csv").matches());
        assertFalse(Route.glob("inbox/a.csv").matcher("inbox/abcsv").matches());
        assertTrue(Route.glob("inbox/file-?.csv").matcher("inbox/file-7.csv").matches());
    }

    @Test
    void firstMatchingRouteWins() {
        var config =
                parse("{\"routes\": [" + route("narrow", "inbox/vip/*.csv") + "," + route("wide", "inbox/**") + "]}");
        assertEquals("narrow", config.require("inbox/vip/x.csv", "routes.json").name());
        assertEquals("wide", config.require("inbox/other/x.csv", "routes.json").name());
    }

    @Test
    void noRouteNamesTheKeyAndTheConfig() {
        var config = parse("{\"routes\": [" + route("vip", "inbox/vip/*.csv") + "]}");
        var e = assertThrows(NoRouteForKeyException.class, () -> config.require("inbox/x.csv", "config/routes.json"));
        assertTrue(e.getMessage().startsWith("no route in config/routes.json matches inbox/x.csv"), e.getMessage());
        assertTrue(e.getMessage().contains("vip = inbox/vip/*.csv"), e.getMessage());
    }

    @Test
    void invalidConfigNamesRouteAndField() {
        var missingSection = assertThrows(InvalidRoutesException.class, () -> parse("""
        {"routes": [{"name": "crm", "match": "inbox/*.csv", "import": {}}]}"""));
        assertEquals(
                "routes.json: route \"crm\": field \"section\" is required (a non-empty string)",
                missingSection.getMessage());

        var noKeyspace = assertThrows(InvalidRoutesException.class, () -> parse("""
        {"routes": [{"name": "crm", "match": "inbox/*.csv", "section": "s", "import": {"options": {}}}]}"""));
        assertTrue(
                noKeyspace.getMessage().contains("route \"crm\": field \"import.keyspace_mapping\""),
                noKeyspace.getMessage());

        var badPolicy = assertThrows(InvalidRoutesException.class, () -> parse("""
        {"routes": [{"name": "crm", "match": "a", "section": "s", "onEmptyFile": "explode",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}}]}"""));
        assertTrue(
                badPolicy.getMessage().contains("field \"onEmptyFile\" must be \"skip\" or \"fail\""),
                badPolicy.getMessage());

        var unnamed = assertThrows(InvalidRoutesException.class, () -> parse("{\"routes\": [{\"match\": \"a\"}]}"));
        assertTrue(unnamed.getMessage().startsWith("routes.json: routes[0]: field \"name\""), unnamed.getMessage());

        var notJson = assertThrows(InvalidRoutesException.class, () -> parse("{\"routes\": ["));
        assertTrue(notJson.getMessage().startsWith("routes.json is not valid JSON"), notJson.getMessage());
    }

    @Test
    void importSpecIsKeptAsGivenIncludingUnknownFields() {
        var config = parse("""
        {"routes": [{"name": "r", "match": "**", "section": "s",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e", "merge": true},
                     "future_field": {"x": [1, 2]}}}]}""");
        var spec = config.routes().get(0).importSpec();
        assertEquals("[1,2]", spec.get("future_field").get("x").toString());
        assertTrue(spec.get("keyspace_mapping").get("merge").asBoolean());
    }

    @Test
    void theExampleRoutesFileIsValid() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("examples/routes.json"))) {
            var config = RouteConfig.parse(in, "examples/routes.json");
            assertEquals(
                    "newsletter",
                    config.require("inbox/newsletter/profiles.csv", "x").name());
            assertEquals(
                    Route.EmptyFilePolicy.FAIL,
                    config.require("inbox/crm.csv", "x").onEmptyFile());
        }
    }

    @Test
    void aRouteWithoutOrderOrDryRunIsImportedAsBefore() {
        Route r = parse("{\"routes\": [" + route("crm", "inbox/*.csv") + "]}")
                .routes()
                .get(0);
        assertEquals(Route.Order.NONE, r.order());
        assertFalse(r.ordered());
        assertEquals(Route.FailurePolicy.CONTINUE, r.onFailure());
        assertFalse(r.dryRun());
    }

    @Test
    void feedsAndDryRunsAreReadFromTheRoute() {
        var config = parse("""
        {"routes": [
          {"name": "daily", "match": "inbox/daily/*.csv", "section": "s", "order": "arrival", "onFailure": "stop",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}},
          {"name": "hourly", "match": "inbox/hourly/*.csv", "section": "s", "order": "arrival",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}},
          {"name": "trial", "match": "inbox/trial/*.csv", "section": "s", "dryRun": true,
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "e"}}}]}""");
        Route daily = config.require("inbox/daily/a.csv", "x");
        assertTrue(daily.ordered());
        assertEquals(Route.FailurePolicy.STOP, daily.onFailure());
        assertFalse(daily.dryRun());
        Route hourly = config.require("inbox/hourly/a.csv", "x");
        assertTrue(hourly.ordered());
        assertEquals(Route.FailurePolicy.CONTINUE, hourly.onFailure(), "continue is the default");
        Route trial = config.require("inbox/trial/a.csv", "x");
        assertTrue(trial.dryRun());
        assertFalse(trial.ordered());
    }

    @Test
    void badFeedAndDryRunFieldsNameTheRouteAndTheField() {
        String spec =
                "\"import\": {\"keyspace_mapping\": {\"keyspace_discriminator\": \"k\", \"field_selector\": \"e\"}}";
        var order = assertThrows(
                InvalidRoutesException.class,
                () -> parse(
                        "{\"routes\": [{\"name\": \"daily\", \"match\": \"a\", \"section\": \"s\", \"order\": \"fifo\", "
                                + spec + "}]}"));
        assertEquals(
                "routes.json: route \"daily\": field \"order\" must be \"arrival\", not \"fifo\"", order.getMessage());
        var onFailure = assertThrows(
                InvalidRoutesException.class,
                () -> parse(
                        "{\"routes\": [{\"name\": \"daily\", \"match\": \"a\", \"section\": \"s\", \"order\": \"arrival\", "
                                + "\"onFailure\": \"retry\", " + spec + "}]}"));
        assertEquals(
                "routes.json: route \"daily\": field \"onFailure\" must be \"continue\" or \"stop\", not \"retry\"",
                onFailure.getMessage());
        var unordered = assertThrows(
                InvalidRoutesException.class,
                () -> parse(
                        "{\"routes\": [{\"name\": \"daily\", \"match\": \"a\", \"section\": \"s\", \"onFailure\": \"stop\", "
                                + spec + "}]}"));
        assertTrue(
                unordered
                        .getMessage()
                        .startsWith("routes.json: route \"daily\": field \"onFailure\" applies to ordered"
                                + " routes only"),
                unordered.getMessage());
        var dryRun = assertThrows(
                InvalidRoutesException.class,
                () -> parse(
                        "{\"routes\": [{\"name\": \"trial\", \"match\": \"a\", \"section\": \"s\", \"dryRun\": \"yes\", "
                                + spec + "}]}"));
        assertEquals(
                "routes.json: route \"trial\": field \"dryRun\" must be true or false, not \"yes\"",
                dryRun.getMessage());
    }
}
