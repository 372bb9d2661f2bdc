"""The checker catches what AWS would deny: each test doctors template.yaml or the call log the way a
real mistake would, and expects the violation; the untouched pair passes."""

import dataclasses
import json
import unittest

from iamcheck.local_stack import LOCAL

from .support import ACCOUNT, REGION, SM, call, check, complete_log, ddb, doctored, template_text

WAKE_ON_STATE_MACHINE = "Resource: !Sub 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-import'"


class TheTemplateAsItIs(unittest.TestCase):
    def test_every_recorded_call_and_task_is_allowed(self):
        report = check()
        self.assertEqual([], report.violations, report.text())

    def test_the_report_lists_calls_per_function_and_unexercised_grants(self):
        report = check()
        self.assertIn(("states:StartExecution", SM), report.calls["StartImportFunction"])
        self.assertIn(("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:apsis-local-StartImportFailuresQueue"),
                      report.calls["StartImportFunction"], "the on-failure destination is checked too")
        self.assertIn(("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:FinishImportFunction*"),
                      report.calls["ImportStateMachine"])
        unexercised = {(a, r) for _, a, r in report.unexercised["FinishImportFunctionRole"]}
        self.assertIn(("s3:PutLifecycleConfiguration", "arn:aws:s3:::landing"), unexercised)


class SendTaskSuccess(unittest.TestCase):
    def test_granted_on_the_state_machine_arn_is_never_allowed(self):
        # The original template: the action supports no resource-level permission.
        covers = "              # table the waiters may be other stacks' executions, which '*' covers too.\n"
        text = doctored(covers + "              Resource: '*'\n", covers + "              " + WAKE_ON_STATE_MACHINE + "\n", 3)
        report = check(text=text)
        denied = [v for v in report.violations if "Sfn.SendTaskSuccess needs states:SendTaskSuccess on *" in v]
        self.assertEqual(3, len(denied), report.text())  # AcquireSlot, ReleaseSlot, ReapSlots
        never = [v for v in report.violations if "states:SendTaskSuccess is granted on arn:aws:states:" in v
                 and "stateMachine:apsis-local-import, no form the action supports" in v]
        self.assertEqual(3, len(never), report.text())


class DescribeExecution(unittest.TestCase):
    OTHER_STACK = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:billing-import:file-9"
    OTHER_STACK_PART = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:billing-import-part:file-9-part-2"
    UNRELATED = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:payroll:run-1"

    def describe(self, arn):
        return complete_log() + [call("AcquireSlotFunction", "Sfn", "DescribeExecution", ExecutionArn=arn)]

    def test_another_stacks_executions_sharing_the_table_may_be_described(self):
        for arn in (self.OTHER_STACK, self.OTHER_STACK_PART):
            report = check(self.describe(arn))
            self.assertEqual([], report.violations, report.text())

    def test_on_this_stacks_executions_only_another_stacks_execution_is_denied(self):
        text = doctored(
            "              Resource:\n"
            "                - !Sub 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:*-import:*'\n"
            "                - !Sub 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:*-import-part:*'\n",
            "              Resource: !Sub 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-import:*'\n")
        report = check(self.describe(self.OTHER_STACK), text=text)
        self.assertEqual([f"AcquireSlotFunction: Sfn.DescribeExecution needs states:DescribeExecution on "
                          f"{self.OTHER_STACK}: no statement allows it in AcquireSlotFunctionRole"],
                         report.violations, report.text())

    def test_executions_of_unrelated_state_machines_stay_out_of_reach(self):
        report = check(self.describe(self.UNRELATED))
        self.assertEqual(1, len(report.violations), report.text())
        self.assertIn(self.UNRELATED, report.violations[0])


class MissingOrWrongGrants(unittest.TestCase):
    def test_a_call_no_statement_allows(self):
        text = doctored("""      Policies:
        - StepFunctionsExecutionPolicy:
            StateMachineName: !Sub '${AWS::StackName}-import'
""", "")
        report = check(text=text)
        self.assertEqual([f"StartImportFunction: Sfn.StartExecution needs states:StartExecution on {SM}: "
                          "no statement allows it in StartImportFunctionRole"], report.violations, report.text())

    def test_a_task_of_the_state_machine_no_statement_allows(self):
        text = doctored("""        - LambdaInvokePolicy:
            FunctionName: !Ref FinishImportFunction
""", "")
        report = check(text=text)
        self.assertTrue(report.violations, report.text())
        self.assertTrue(all(v.startswith("ImportStateMachine: Task '") and "function:FinishImportFunction:live" in v
                            for v in report.violations), report.text())

    def test_a_wildcard_resource_for_an_action_that_supports_resources(self):
        def widen(t):
            t["Resources"]["ReleaseSlotFunctionRole"]["Properties"]["Policies"].append(
                {"PolicyName": "Wide", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}]}})
        report = check(edit=widen)
        self.assertEqual(["ReleaseSlotFunctionRole / Wide / #0: dynamodb:Query on '*', but the action supports "
                          "resource-level permissions (index, table): name them"], report.violations)

    def test_a_missing_key_answers_404_only_with_list_bucket(self):
        def objects_only(t):
            for p in t["Resources"]["FinishImportFunctionRole"]["Properties"]["Policies"]:
                for s in p["PolicyDocument"]["Statement"]:
                    s["Action"] = [a for a in s["Action"] if a != "s3:ListBucket"]
        report = check(edit=objects_only)
        self.assertEqual(1, len(report.violations), report.text())
        self.assertIn("S3.HeadObject (404 on a missing key) needs s3:ListBucket on arn:aws:s3:::landing",
                      report.violations[0])

    def test_the_on_failure_destination_needs_send_message(self):
        def drop(t):
            role = t["Resources"]["StartImportFunctionRole"]["Properties"]
            role["Policies"] = [p for p in role["Policies"] if "OnFailure" not in p["PolicyName"]]
        report = check(edit=drop)
        self.assertEqual(1, len(report.violations), report.text())
        self.assertIn("StartImportFunctionEventInvokeConfig OnFailure destination needs sqs:SendMessage",
                      report.violations[0])


class ChildExecutions(unittest.TestCase):
    """A Task that runs a part as a child execution (states:startExecution.sync:2) needs what AWS
    documents for it: StartExecution on the child state machine, DescribeExecution and
    StopExecution on its executions, and the managed EventBridge rule Step Functions follows it with."""
    PART = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:apsis-local-import-part"
    GRANTS = [
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": PART},
        {"Effect": "Allow", "Action": ["states:DescribeExecution", "states:StopExecution"],
         "Resource": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:apsis-local-import-part:*"},
        {"Effect": "Allow", "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
         "Resource": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"},
    ]

    def edit(self, grants):
        def apply(t):
            definition = {"StartAt": "Import a part", "States": {"Import a part": {
                "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
                "Parameters": {"StateMachineArn": self.PART, "Input.$": "$"}}}}
            t["Resources"]["ImportStateMachine"]["Properties"]["DefinitionString"] = json.dumps(definition)
            # Only these grants: the template's own role already holds what .sync needs.
            t["Resources"]["ImportStateMachineRole"]["Properties"]["Policies"] = [
                {"PolicyName": "Parts", "PolicyDocument": {"Statement": grants}}]
        return apply

    def test_what_aws_documents_for_sync_is_enough(self):
        report = check(edit=self.edit(self.GRANTS))
        self.assertEqual([], report.violations, report.text())

    def test_without_the_event_rule_the_task_cannot_follow_its_child(self):
        report = check(edit=self.edit(self.GRANTS[:2]))
        self.assertEqual(3, len(report.violations), report.text())
        self.assertTrue(all("StepFunctionsGetEventsForStepFunctionsExecutionRule" in v for v in report.violations))

    def test_without_stop_execution_an_aborted_parent_cannot_stop_its_child(self):
        grants = [self.GRANTS[0], {**self.GRANTS[1], "Action": "states:DescribeExecution"}, self.GRANTS[2]]
        report = check(edit=self.edit(grants))
        self.assertEqual(1, len(report.violations), report.text())
        self.assertIn("(.sync) needs states:StopExecution", report.violations[0])


class FileEvents(unittest.TestCase):
    """The file's state machine sends one EventBridge event per file (events:putEvents): the role must
    allow events:PutEvents on that bus, and only there."""

    def test_the_template_grants_put_events_on_its_bus(self):
        report = check()
        self.assertEqual([], report.violations, report.text())
        bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
        self.assertIn(("events:PutEvents", bus), report.calls["ImportStateMachine"])

    def test_another_bus_is_not_allowed(self):
        values = dataclasses.replace(LOCAL, parameters={"EventBusName": "imports"})
        text = doctored("              Resource: !Sub 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}'",
                        "              Resource: !Sub 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'")
        report = check(text=text, values=values)
        self.assertEqual(2, len(report.violations), report.text())
        self.assertTrue(all("needs events:PutEvents on arn:aws:events:" in v and "event-bus/imports" in v
                            for v in report.violations), report.violations)

    def test_without_the_grant_no_event_can_be_sent(self):
        def drop(t):
            for policy in t["Resources"]["ImportStateMachineRole"]["Properties"]["Policies"]:
                for st in policy["PolicyDocument"]["Statement"]:
                    if st.get("Sid") == "SendImportEvents":
                        st["Action"] = "events:DescribeRule"
        report = check(edit=drop)
        self.assertTrue(any("Announce the file's outcome" in v and "events:PutEvents" in v
                            for v in report.violations), report.text())

    def test_a_bus_given_as_a_path_cannot_be_checked(self):
        def edit(t):
            definition = {"StartAt": "Send", "States": {"Send": {
                "Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "End": True,
                "Parameters": {"Entries": [{"EventBusName.$": "$.bus", "Source": "x", "DetailType": "y",
                                            "Detail": {}}]}}}}
            t["Resources"]["ImportStateMachine"]["Properties"]["DefinitionString"] = json.dumps(definition)
        report = check(edit=edit)
        self.assertTrue(any("EventBusName is a path" in v for v in report.violations), report.text())


class SecretKey(unittest.TestCase):
    KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    EXISTING = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:apsis/credentials-Ab12Cd"

    def values(self):
        return dataclasses.replace(LOCAL, parameters={"ExistingApsisSecretArn": self.EXISTING,
                                                      "ExistingApsisSecretKmsKeyArn": self.KEY})

    def log(self):
        return [c if c["operation"] != "GetSecretValue" else {**c, "params": {"SecretId": self.EXISTING}}
                for c in complete_log()]

    def test_decrypt_on_the_key_through_secrets_manager_only(self):
        report = check(self.log(), values=self.values())
        self.assertEqual([], report.violations, report.text())
        for role in ("RequestImportFunctionRole", "CheckImportStatusFunctionRole"):
            grants = {(a, r) for _, a, r in report.unexercised[role]}
            self.assertIn(("kms:Decrypt", self.KEY), grants)

    def test_no_decrypt_without_the_parameter(self):
        report = check()
        self.assertFalse(any(a == "kms:Decrypt" for grants in report.unexercised.values() for _, a, _ in grants))

    def test_a_condition_key_the_action_does_not_support(self):
        text = doctored("                    kms:ViaService: ", "                    s3:prefix: ", 2)
        report = check(self.log(), text=text, values=self.values())
        self.assertEqual(2, len(report.violations), report.text())
        self.assertTrue(all("condition key s3:prefix does not apply to kms:Decrypt" in v for v in report.violations))


class RecordingProblems(unittest.TestCase):
    def test_no_call_at_all(self):
        report = check([])
        self.assertTrue(any("no AWS call was recorded" in v for v in report.violations), report.text())

    def test_a_function_without_calls_unless_the_run_was_partial(self):
        log = [c for c in complete_log() if c["function"] != "ReapSlotsFunction"]
        self.assertTrue(any("no call recorded for ReapSlotsFunction" in v for v in check(log).violations))
        self.assertEqual([], check(log, partial=True).violations)

    def test_an_operation_without_a_rule(self):
        report = check(complete_log() + [ddb("ReapSlotsFunction", "TransactWriteItems")])
        self.assertEqual(1, len(report.violations), report.text())
        self.assertIn("cannot tell what DynamoDb.TransactWriteItems needs", report.violations[0])

    def test_a_function_the_template_does_not_have(self):
        report = check(complete_log() + [ddb("SomethingElse")])
        self.assertIn("not in the template", report.violations[0])


if __name__ == "__main__":
    unittest.main()
