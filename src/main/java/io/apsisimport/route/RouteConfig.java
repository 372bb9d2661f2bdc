package io.apsisimport.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The routing config (a fixed contract, see README "Routes"): {@code {"routes": [{"name", "match",
 * "section", "import", "onEmptyFile", "order", "onFailure", "dryRun"}]}}; the first route whose glob
 * matches the key wins. The last three are optional: a routes.json without them keeps its meaning.
 */
public record RouteConfig(List<Route> routes) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * A route's import specification travels in every part's state and comes back in the Cause of a
     * failed part's execution, which Step Functions cuts at 32,768 characters (PayloadBudgetTest).
     */
    public static final int MAX_IMPORT_SPEC_BYTES = 16_384;

    public static final int MAX_NAME_CHARS = 128;
    public static final int MAX_SECTION_CHARS = 256;

    public Optional<Route> routeFor(String key) {
        return routes.stream().filter(r -> r.matches(key)).findFirst();
    }

    /** The route for {@code key}, or {@link NoRouteForKeyException} naming the key and the config. */
    public Route require(String key, String configName) {
        return routeFor(key)
                .orElseThrow(() ->
                        new NoRouteForKeyException("no route in " + configName + " matches " + key + " (routes: "
                                + String.join(
                                        ", ",
                                        routes.stream()
                                                .map(r -> r.name() + " = " + r.match())
                                                .toList()) + ")"));
    }

    public static RouteConfig parse(InputStream json, String configName) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRoutesException(configName + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + configName, e);
        }
        return parse(root, configName);
    }

    public static RouteConfig parse(JsonNode root, String configName) {
        if (root == null || !root.isObject() || !root.path("routes").isArray()) {
            throw new InvalidRoutesException(configName + ": expected an object with a \"routes\" array");
        }
        var routes = new ArrayList<Route>();
        int i = 0;
        for (JsonNode node : root.get("routes")) {
            routes.add(route(node, configName, i++));
        }
        return new RouteConfig(List.copyOf(routes));
    }

    private static Route route(JsonNode node, String configName, int index) {
        String where = configName + ": routes[" + index + "]";
        if (!node.isObject()) {
            throw new InvalidRoutesException(where + " is not an object");
        }
        String name = text(node, "name", where, MAX_NAME_CHARS);
        where = configName + ": route \"" + name + "\"";
        String match = text(node, "match", where, Integer.MAX_VALUE);
        String section = text(node, "section", where, MAX_SECTION_CHARS);
        JsonNode spec = node.get("import");
        if (spec == null || !spec.isObject()) {
            throw new InvalidRoutesException(
                    where + ": field \"import\" must be the APSIS import request body (an object)");
        }
        int specBytes = spec.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (specBytes > MAX_IMPORT_SPEC_BYTES) {
            throw new InvalidRoutesException(
                    where + ": field \"import\" is " + specBytes + " bytes of JSON; at most " + MAX_IMPORT_SPEC_BYTES
                            + " (it travels in the state machines' state, which Step Functions limits)");
        }
        JsonNode keyspace = spec.get("keyspace_mapping");
        if (keyspace == null || !keyspace.isObject()) {
            throw new InvalidRoutesException(where + ": field \"import.keyspace_mapping\" is required (an object)");
        }
        for (String f : List.of("keyspace_discriminator", "field_selector")) {
            if (!keyspace.path(f).isTextual() || keyspace.get(f).asText().isBlank()) {
                throw new InvalidRoutesException(
                        where + ": field \"import.keyspace_mapping." + f + "\" is required (a string)");
            }
        }
        var policy = choice(node, "onEmptyFile", Route.EmptyFilePolicy.class, Route.EmptyFilePolicy.SKIP, where);
        var order = choice(node, "order", Route.Order.class, Route.Order.NONE, where);
        var onFailure = choice(node, "onFailure", Route.FailurePolicy.class, Route.FailurePolicy.CONTINUE, where);
        if (node.hasNonNull("onFailure") && order != Route.Order.ARRIVAL) {
            throw new InvalidRoutesException(
                    where + ": field \"onFailure\" applies to ordered routes only: add \"order\": "
                            + "\"arrival\", or remove it");
        }
        boolean dryRun = false;
        JsonNode dry = node.get("dryRun");
        if (dry != null && !dry.isNull()) {
            if (!dry.isBoolean()) {
                throw new InvalidRoutesException(where + ": field \"dryRun\" must be true or false, not " + dry);
            }
            dryRun = dry.booleanValue();
        }
        return new Route(
                name,
                match,
                section,
                (ObjectNode) spec.deepCopy(),
                policy,
                Route.glob(match),
                order,
                onFailure,
                dryRun);
    }

    /**
     * An optional field naming one of {@code type}'s constants in lower case ({@code "skip"}), or
     * {@code fallback} when absent; anything else is refused with the values it may take.
     */
    private static <E extends Enum<E>> E choice(JsonNode node, String field, Class<E> type, E fallback, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        var allowed = new ArrayList<String>();
        for (E e : type.getEnumConstants()) {
            String word = e.name().toLowerCase(Locale.ROOT);
            if (v.isTextual() && v.asText().equalsIgnoreCase(word)) {
                return e;
            }
            if (!(type == Route.Order.class && e == Route.Order.NONE)) {
                allowed.add("\"" + word + "\"");
            }
        }
        throw new InvalidRoutesException(where + ": field \"" + field + "\" must be " + String.join(" or ", allowed)
                + ", not " + (v.isTextual() ? "\"" + v.asText() + "\"" : v.toString()));
    }

    private static String text(JsonNode node, String field, String where, int maxChars) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new InvalidRoutesException(where + ": field \"" + field + "\" is required (a non-empty string)");
        }
        if (v.asText().length() > maxChars) {
            throw new InvalidRoutesException(where + ": field \"" + field + "\" has "
                    + v.asText().length() + " characters; at most " + maxChars);
        }
        return v.asText();
    }
}
