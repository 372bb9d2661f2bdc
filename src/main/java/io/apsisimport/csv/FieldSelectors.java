package io.apsisimport.csv;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The CSV columns an APSIS import specification reads: every {@code field_selector} string,
 * wherever it sits (keyspace, consent, tag and attribute mappings, and whatever the schema nests
 * that this code does not model).
 */
public final class FieldSelectors {

    static final String FIELD = "field_selector";

    private FieldSelectors() {}

    /** Field selectors in encounter order (depth first, document order); empty for {@code null}. */
    public static Set<String> of(JsonNode importSpec) {
        var out = new LinkedHashSet<String>();
        collect(importSpec, out);
        return Collections.unmodifiableSet(out);
    }

    private static void collect(JsonNode node, Set<String> out) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (FIELD.equals(e.getKey()) && e.getValue().isTextual()) {
                    out.add(e.getValue().textValue());
                } else {
                    collect(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                collect(child, out);
            }
        }
    }
}
