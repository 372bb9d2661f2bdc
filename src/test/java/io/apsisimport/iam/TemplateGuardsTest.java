package io.apsisimport.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.apsisimport.template.TemplateModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

// Template test: the parameters' AllowedPatterns evaluated with java.util.regex, the engine
// CloudFormation documents for them (tools/iamcheck/tests/test_guards.py runs cfn-lint on the same).
class TemplateGuardsTest {
    private static final TemplateModel TEMPLATE = TemplateModel.load(Path.of("template.yaml"));

    private static Map<String, Boolean> accepted(String parameter, String... values) {
        // CloudFormation requires the whole value to match the pattern.
        Pattern p = Pattern.compile(TEMPLATE.root()
                .path("Parameters")
                .path(parameter)
                .path("AllowedPattern")
                .asText());
        var out = new LinkedHashMap<String, Boolean>();
        for (String v : values) {
            out.put(v, p.matcher(v).matches());
        }
        return out;
    }

    private static Map<String, Boolean> expect(Object... valueThenAccepted) {
        var out = new LinkedHashMap<String, Boolean>();
        for (int i = 0; i < valueThenAccepted.length; i += 2) {
            out.put((String) valueThenAccepted[i], (Boolean) valueThenAccepted[i + 1]);
        }
        return out;
    }

    @Test
    void aLandingPrefixOverlappingWhatThePipelineWritesOrReadsIsRefused() {
        assertEquals(
                expect(
                        "inbox/",
                        true,
                        "inbox/crm/",
                        true,
                        "Archive/",
                        true,
                        "archived/",
                        true,
                        "configs/",
                        true,
                        "archive/",
                        false,
                        "archive/inbox/",
                        false,
                        "failed/",
                        false,
                        "reports/",
                        false,
                        "config/",
                        false,
                        "config/x/",
                        false,
                        "/inbox/",
                        false,
                        "inbox",
                        false,
                        "work/",
                        false,
                        "work/inbox/",
                        false,
                        "workday/",
                        true),
                accepted(
                        "LandingPrefix",
                        "inbox/",
                        "inbox/crm/",
                        "Archive/",
                        "archived/",
                        "configs/",
                        "archive/",
                        "archive/inbox/",
                        "failed/",
                        "reports/",
                        "config/",
                        "config/x/",
                        "/inbox/",
                        "inbox",
                        "work/",
                        "work/inbox/",
                        "workday/"));
    }

    @Test
    void aValidatePrefixOverlappingWhatThePipelineWritesOrReadsIsRefused() {
        assertEquals(
                expect(
                        "validate/",
                        true,
                        "checks/crm/",
                        true,
                        "archive/",
                        false,
                        "failed/x/",
                        false,
                        "reports/",
                        false,
                        "work/",
                        false,
                        "config/",
                        false,
                        "/validate/",
                        false,
                        "validate",
                        false,
                        "val*date/",
                        false),
                accepted(
                        "ValidatePrefix",
                        "validate/",
                        "checks/crm/",
                        "archive/",
                        "failed/x/",
                        "reports/",
                        "work/",
                        "config/",
                        "/validate/",
                        "validate",
                        "val*date/"));
    }

    @Test
    void theRoutesFileStaysUnderConfig() {
        assertEquals(
                expect("config/routes.json", true, "inbox/routes.json", false, "config/", false),
                accepted("RoutesKey", "config/routes.json", "inbox/routes.json", "config/"));
    }

    @Test
    void anExistingSecretIsNamedByItsCompleteArn() {
        String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis/credentials-Ab12Cd";
        assertEquals(
                expect(
                        arn,
                        true,
                        "",
                        true,
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis/credentials",
                        false),
                accepted(
                        "ExistingApsisSecretArn",
                        arn,
                        "",
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis/credentials"));
    }
}
