package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.local.Tier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

// Lint test: both state machine definitions as deployed (DefinitionSubstitutions applied, with the
// values CloudFormation would give: alias ARNs, the partition, the other state machine's ARN,
// parameter defaults), inlined into the SAM-transformed template (the pinned SAM translator's
// transform of template.yaml, functions' CodeUri as `sam package` leaves it) as each
// AWS::StepFunctions::StateMachine's Definition, checked by the pinned cfn-lint's state-machine
// rule (E3601, the ASL schema). cfn-lint lints SAM templates without transforming them, so on
// template.yaml itself it never sees a definition: hence this step. A deliberately broken
// definition must be reported, so the check cannot pass by not looking. Needs the pinned Python
// tooling (tools/setup-python; APSIS_IMPORT_VENV).
@io.apsisimport.local.LocalCloudTest
class DeployedDefinitionLintTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDeployedDefinitionsPassCfnLintsStateMachineRules() throws Exception {
        var template = TemplateModel.load(Path.of("template.yaml"));
        Path deployed = samTransformed(write(inline(template, Map.of()), "deployed-template.json"));
        Result lint = cfnLint(deployed);
        assertEquals(0, lint.exit(), "cfn-lint on " + deployed + ":\n" + lint.output());
    }

    @Test
    void aBrokenDeployedDefinitionIsReported() throws Exception {
        var template = TemplateModel.load(Path.of("template.yaml"));
        // A retrier's MaxAttempts that is no number: what E3601 (the ASL schema) is there to catch.
        Path broken = samTransformed(write(
                inline(template, Map.of(Definitions.PART, d -> {
                    var states = (ObjectNode) d.path("States");
                    ((ObjectNode) states.get("Upload file").path("Retry").get(0)).put("MaxAttempts", "six");
                })),
                "broken-deployed-template.json"));
        Result lint = cfnLint(broken);
        assertTrue(
                lint.exit() != 0 && lint.output().contains("E3601"),
                "cfn-lint did not report the broken definition:\n" + lint.output());
    }

    /** template.yaml (long form, as JSON) with each state machine's definition inlined as deployed. */
    static JsonNode inline(TemplateModel template, Map<String, java.util.function.Consumer<ObjectNode>> edits) {
        ObjectNode root = template.root().deepCopy();
        for (String machine : List.of(Definitions.FILE, Definitions.PART)) {
            var properties = (ObjectNode) root.path("Resources").path(machine).path("Properties");
            ObjectNode definition = (ObjectNode) Definitions.deployed(template, machine, Map.of());
            edits.getOrDefault(machine, d -> {}).accept(definition);
            properties.remove("DefinitionUri");
            properties.remove("DefinitionSubstitutions");
            properties.set("Definition", definition);
        }
        return root;
    }

    /**
     * What CloudFormation deploys: the SAM transform of the template (pinned samtranslator), each
     * state machine's Definition put back as an object (the transform turns it into a
     * DefinitionString, which cfn-lint does not parse).
     */
    static Path samTransformed(Path template) throws Exception {
        Path out = template.resolveSibling(template.getFileName().toString().replace(".json", "-transformed.json"));
        String script = """
        import json, sys
        from samtranslator.translator.transform import transform
        t = json.load(open(sys.argv[1]))
        t["Globals"]["Function"]["CodeUri"] = "s3://artifacts/apsis-one-import.zip"  # as sam package leaves it
        definitions = {k: v["Properties"]["Definition"] for k, v in t["Resources"].items()
                       if v["Type"] == "AWS::Serverless::StateMachine"}
        class NoManagedPolicies:
            def load(self):
                return {}
        out = transform(t, {}, NoManagedPolicies())
        for k, d in definitions.items():
            properties = out["Resources"][k]["Properties"]
            properties.pop("DefinitionString", None)
            properties["Definition"] = d
        json.dump(out, open(sys.argv[2], "w"), indent=1)
        """;
        var pb = new ProcessBuilder(tool("python").toString(), "-c", script, template.toString(), out.toString())
                .redirectErrorStream(true);
        pb.environment().put("AWS_DEFAULT_REGION", "eu-west-1");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the SAM transform did not finish");
        assertEquals(0, p.exitValue(), "the SAM transform failed:\n" + log);
        return out;
    }

    private static Path tool(String name) {
        Tier.requireLocalCloud("the pinned Python tooling (" + name + ")");
        String venv = System.getenv()
                .getOrDefault(
                        "APSIS_IMPORT_VENV",
                        Path.of(System.getProperty("user.home"), ".cache", "apsis-one-import", "venv")
                                .toString());
        Path exe = Path.of(venv, "bin", name);
        assertTrue(Files.isExecutable(exe), exe + " missing: run tools/setup-python");
        return exe;
    }

    private static Path write(JsonNode template, String name) throws IOException {
        Path dir = Path.of("target");
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        Files.writeString(
                file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(template), StandardCharsets.UTF_8);
        return file;
    }

    record Result(int exit, String output) {}

    static Result cfnLint(Path template) throws Exception {
        Process p = new ProcessBuilder(tool("cfn-lint").toString(), "--format", "parseable", template.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "cfn-lint did not finish");
        return new Result(p.exitValue(), out);
    }
}
