"""The template refuses parameter values that would break the pipeline, before anything is created:
each parameter's AllowedPattern, checked by cfn-lint (what `sam validate --lint` runs; it evaluates a
Default against the pattern, lookahead included), and the Rules, evaluated as CloudFormation does."""

import json
import unittest

from cfnlint.api import ManualArgs, lint

from iamcheck.rules import refused
from iamcheck.stack import parse_sam

from .support import ACCOUNT, REGION, template_text

TEMPLATE = parse_sam(template_text())
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:apsis/credentials-Ab12Cd"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def accepted(parameter: str, *values: str) -> dict[str, bool]:
    """Which values cfn-lint accepts for template.yaml's parameter (its Type, pattern and limits):
    one probe template with a copy of the parameter per value, linted once."""
    names = {f"P{i}": v for i, v in enumerate(values)}
    probe = {"AWSTemplateFormatVersion": "2010-09-09",
             "Parameters": {n: dict(TEMPLATE["Parameters"][parameter], Default=v) for n, v in names.items()},
             "Resources": {f"Use{n}": {"Type": "AWS::SSM::Parameter",
                                       "Properties": {"Type": "String", "Value": {"Ref": n}}} for n in names}}
    refused_names = {m.path[1] for m in lint(json.dumps(probe), config=ManualArgs(regions=[REGION]))
                     if m.rule.id.startswith("E") and len(m.path) > 1 and m.path[0] == "Parameters"}
    return {v: n not in refused_names for n, v in names.items()}


class LandingPrefix(unittest.TestCase):
    def test_prefixes_that_overlap_what_the_pipeline_writes_or_reads_are_refused(self):
        bad = ("archive/", "archive/inbox/", "failed/", "reports/", "reports/x/", "config/", "config/in/",
               "work/", "work/inbox/", "/inbox/", "inbox", "")
        good = ("inbox/", "inbox/crm/", "archived/", "Archive/", "failed-imports/", "configs/", "workday/")
        self.assertEqual({**{v: False for v in bad}, **{v: True for v in good}},
                         accepted("LandingPrefix", *bad, *good))


class ValidatePrefix(unittest.TestCase):
    def test_prefixes_that_overlap_what_the_pipeline_writes_or_reads_are_refused(self):
        bad = ("archive/", "failed/x/", "reports/", "work/", "config/", "/validate/", "validate", "")
        good = ("validate/", "checks/crm/", "validated/")
        self.assertEqual({**{v: False for v in bad}, **{v: True for v in good}},
                         accepted("ValidatePrefix", *bad, *good))

    def test_it_must_differ_from_the_landing_prefix(self):
        self.assertEqual([], refused(TEMPLATE, {}))
        self.assertEqual([], refused(TEMPLATE, {"ValidatePrefix": "checks/", "LandingPrefix": "inbox/"}))
        failures = refused(TEMPLATE, {"ValidatePrefix": "inbox/", "LandingPrefix": "inbox/"})
        self.assertEqual(1, len(failures))
        self.assertTrue(failures[0].startswith("ValidatePrefixApartFromLandingPrefix: "), failures)


class RoutesKey(unittest.TestCase):
    def test_the_routes_file_stays_under_config(self):
        self.assertEqual({"config/routes.json": True, "config/crm/routes.json": True, "inbox/routes.json": False,
                          "routes.json": False, "config/": False, "config/x/": False},
                         accepted("RoutesKey", "config/routes.json", "config/crm/routes.json", "inbox/routes.json",
                                  "routes.json", "config/", "config/x/"))


class Secret(unittest.TestCase):
    def test_an_existing_secret_is_named_by_its_complete_arn(self):
        # A partial ARN never matches the secret's complete ARN in a policy: every read would be denied.
        self.assertEqual({SECRET: True, "": True, SECRET[:-7]: False},
                         accepted("ExistingApsisSecretArn", SECRET, "", SECRET[:-7]))

    def test_the_key_is_a_kms_key_arn(self):
        self.assertEqual({KEY: True, "": True, "alias/aws/secretsmanager": False},
                         accepted("ExistingApsisSecretKmsKeyArn", KEY, "", "alias/aws/secretsmanager"))

    def test_a_key_without_an_existing_secret_is_refused(self):
        self.assertEqual([], refused(TEMPLATE, {}))
        self.assertEqual([], refused(TEMPLATE, {"ExistingApsisSecretArn": SECRET}))
        self.assertEqual([], refused(TEMPLATE, {"ExistingApsisSecretArn": SECRET, "ExistingApsisSecretKmsKeyArn": KEY}))
        failures = refused(TEMPLATE, {"ExistingApsisSecretKmsKeyArn": KEY})
        self.assertEqual(1, len(failures))
        self.assertTrue(failures[0].startswith("SecretKmsKeyNeedsExistingSecret: "), failures)


if __name__ == "__main__":
    unittest.main()
