"""The Service Authorization Reference as the checker reads it: which ARNs are a form of an action's
resource types (globs included), and which condition keys apply."""

import unittest

from .support import sar

R, A = "eu-west-1", "123456789012"


def types(action, arn):
    return [t.name for t in sar().action(action).types_for(arn)]


class ResourceForms(unittest.TestCase):
    def test_send_task_success_supports_no_resource(self):
        a = sar().action("states:SendTaskSuccess")
        self.assertFalse(a.resource_level)
        self.assertEqual([], a.types_for(f"arn:aws:states:{R}:{A}:stateMachine:x-import"))

    def test_executions_and_state_machines_are_told_apart(self):
        self.assertEqual(["execution"], types("states:DescribeExecution", f"arn:aws:states:{R}:{A}:execution:*-import:*"))
        self.assertEqual([], types("states:DescribeExecution", f"arn:aws:states:{R}:{A}:stateMachine:x-import"))
        self.assertEqual(["statemachine"], types("states:StartExecution", f"arn:aws:states:{R}:{A}:stateMachine:x-import"))

    def test_a_function_resource_stands_for_its_aliases(self):
        fn = f"arn:aws:lambda:{R}:{A}:function:Fn"
        for arn in (fn, fn + ":live", fn + "*"):
            self.assertEqual(["function"], types("lambda:InvokeFunction", arn), arn)
        self.assertEqual([], types("lambda:InvokeFunction", fn + ":live:extra"))

    def test_buckets_and_objects(self):
        self.assertEqual(["bucket"], types("s3:ListBucket", "arn:aws:s3:::landing"))
        self.assertEqual([], types("s3:ListBucket", "arn:aws:s3:::landing/*"))
        self.assertEqual(["object"], types("s3:GetObject", "arn:aws:s3:::landing/a/b:c.csv"))
        self.assertEqual([], types("s3:GetObject", "arn:aws:s3:::landing"))

    def test_tables_and_indexes(self):
        table = f"arn:aws:dynamodb:{R}:{A}:table/import-slots"
        self.assertEqual(["table"], types("dynamodb:UpdateItem", table))
        self.assertEqual([], types("dynamodb:UpdateItem", table + "/index/*"))
        self.assertEqual(["index"], types("dynamodb:Query", table + "/index/*"))

    def test_unknown_actions(self):
        self.assertIsNone(sar().action("states:SendTaskSuccesss"))
        self.assertIsNone(sar().action("nosuchservice:Do"))

    def test_wildcard_actions_expand(self):
        names = [a.full_name for a in sar().expand("states:Send*")]
        self.assertEqual(["states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"], names)


class ConditionKeys(unittest.TestCase):
    def test_kms_decrypt(self):
        decrypt = sar().action("kms:Decrypt")
        self.assertTrue(decrypt.supports_condition_key("kms:ViaService"))
        self.assertTrue(decrypt.supports_condition_key("kms:EncryptionContext:SecretARN"))
        self.assertFalse(decrypt.supports_condition_key("s3:prefix"))


if __name__ == "__main__":
    unittest.main()
