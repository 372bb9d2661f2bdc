package io.apsisimport.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

// Unit tests: FieldSelectors.of on import specifications (the seed article's and variations).
class FieldSelectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The import specification of APSIS's "import profiles" article, as published. */
    static final String ARTICLE_SPEC = """
            {
            "keyspace_mapping": {
            "keyspace_discriminator": "com.apsis1.keyspaces.email",
            "field_selector": "email-address"
            },
            "options": {
            "update_existing_profiles": true,
            "clear_existing_attributes": true
            },
            "consent_mappings": [
            {
            "consents": [
            {
            "resubscribe_if_opted_out": false,
            "field_selector": "mens-clothing-shoes",
            "channel_discriminator": "com.apsis1.channels.email",
            "topic_discriminator": "usercreated.topics.shoes-bcjvwfknxd",
            "type": "opt-in"
            }
            ]
            }
            ],
            "tag_mappings": [
            {
            "tag_discriminator": "usercreated.attributes.vip-npqjeo3mbb"
            }
            ],
            "attribute_mappings": [
            {
            "field_selector": "address",
            "attribute_version_id": "1234"
            }
            ]
            }
            """;

    @Test
    void collectsTheArticleSpecsSelectorsInOrder() throws Exception {
        assertEquals(
                List.of("email-address", "mens-clothing-shoes", "address"),
                List.copyOf(FieldSelectors.of(JSON.readTree(ARTICLE_SPEC))));
    }

    @Test
    void findsSelectorsInUnknownNestedPlacesOnceEach() throws Exception {
        JsonNode spec = JSON.readTree("""
                {"keyspace_mapping":{"field_selector":"email"},
                 "tag_mappings":[{"tag_discriminator":"t","field_selector":"vip"}],
                 "future_mappings":{"deep":[[{"field_selector":"city"}],{"x":{"field_selector":"email"}}]},
                 "attribute_mappings":[{"field_selector":"zip"},{"field_selector":null},{"field_selector":7}]}
                """);
        assertEquals(List.of("email", "vip", "city", "zip"), List.copyOf(FieldSelectors.of(spec)));
    }

    @Test
    void emptyForNullOrSelectorlessSpecs() throws Exception {
        assertTrue(FieldSelectors.of(null).isEmpty());
        assertTrue(FieldSelectors.of(JSON.readTree("{\"options\":{}}")).isEmpty());
        assertTrue(FieldSelectors.of(JSON.readTree("\"field_selector\"")).isEmpty());
    }
}
