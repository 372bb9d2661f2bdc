"""template.yaml resolved for one stack: the SAM transform's output with every intrinsic replaced by
the local stack's values, so that granted ARNs compare with recorded ones."""

import dataclasses
import unittest

from iamcheck.local_stack import LOCAL
from iamcheck.policy import Role, Statement, evaluate

from .support import ACCOUNT, REGION, SECRET_GRANTED, stack


class Resolution(unittest.TestCase):
    def test_policy_templates_resolve_to_the_local_resources(self):
        roles = stack().roles()
        resources = {r for s in roles["UploadPartFunctionRole"].statements for r in s.resources}
        self.assertIn("arn:aws:s3:::landing/*", resources)
        self.assertIn(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/import-slots", resources)
        secret = {r for s in roles["RequestImportFunctionRole"].statements for r in s.resources}
        self.assertIn(SECRET_GRANTED, secret)

    def test_conditions_choose_an_existing_table(self):
        values = dataclasses.replace(LOCAL, parameters={"ExistingSlotsTableName": "shared-slots"})
        s = stack(values=values)
        self.assertFalse(s.exists("SlotsTable"))
        resources = {r for st in s.roles()["AcquireSlotFunctionRole"].statements for r in st.resources}
        self.assertIn(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/shared-slots", resources)

    def test_the_definition_is_deployed_with_its_substitutions(self):
        definition = stack().definition("ImportStateMachine")
        resources = []

        def walk(states):
            for st in states.values():
                if "Resource" in st:
                    resources.append(st["Resource"])
                if "ItemProcessor" in st:
                    walk(st["ItemProcessor"]["States"])
        walk(definition["States"])
        self.assertIn(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:PreflightFileFunction:live", resources)
        self.assertFalse([r for r in resources if "${" in r], resources)

    def test_fixed_names_follow_the_stack_name(self):
        s = stack()
        self.assertEqual(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:apsis-local-import",
                         s.ref("ImportStateMachine"))
        self.assertEqual(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/states/apsis-local-import:*",
                         s.get_att("ImportStateMachineLogGroup", "Arn"))


class Evaluation(unittest.TestCase):
    def role(self, *statements):
        return Role("R", list(statements), [])

    def test_an_explicit_deny_wins(self):
        allow = Statement("R / p / a", "Allow", ["s3:*"], ["arn:aws:s3:::b/*"])
        deny = Statement("R / p / d", "Deny", ["s3:DeleteObject"], ["arn:aws:s3:::b/keep/*"])
        self.assertTrue(evaluate(self.role(allow, deny), "s3:DeleteObject", "arn:aws:s3:::b/x").allowed)
        self.assertFalse(evaluate(self.role(allow, deny), "s3:DeleteObject", "arn:aws:s3:::b/keep/x").allowed)

    def test_actions_ignore_case_resources_do_not(self):
        allow = Statement("R / p / a", "Allow", ["states:describeexecution"], ["arn:aws:states:*:*:execution:*-import:*"])
        self.assertTrue(evaluate(self.role(allow), "states:DescribeExecution",
                                 "arn:aws:states:eu-west-1:1:execution:a-import:b").allowed)
        self.assertFalse(evaluate(self.role(allow), "states:DescribeExecution",
                                  "arn:aws:states:eu-west-1:1:execution:a-IMPORT:b").allowed)

    def test_a_condition_holds_only_for_a_request_that_carries_its_key(self):
        s = Statement("R / p / k", "Allow", ["kms:Decrypt"], ["*"],
                      {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}})
        self.assertFalse(evaluate(self.role(s), "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k").allowed)
        self.assertTrue(evaluate(self.role(s), "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k",
                                 {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}).allowed)


if __name__ == "__main__":
    unittest.main()
