"""template.yaml as one stack would deploy it: transformed by the pinned SAM translator (the policy
templates expanded, the state machine definitions inlined with their substitutions), then every
intrinsic function resolved with that stack's values (region, account, stack name, parameters and
the physical names of its resources), so that the ARNs the roles grant compare with the ARNs the
functions called.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .policy import Role, statements_of

NO_VALUE = object()


@dataclass
class StackValues:
    """One stack's values: what CloudFormation would choose or be given."""
    stack_name: str
    region: str
    account: str
    partition: str = "aws"
    parameters: dict[str, str] = field(default_factory=dict)
    # Physical ids of resources whose names CloudFormation generates (Ref of a bucket, a table, a
    # function...). Resources not listed get "<stack>-<logical id>".
    physical_ids: dict[str, str] = field(default_factory=dict)
    # Name each Lambda function after its logical id (the local cloud does) instead of "<stack>-<id>".
    functions_by_logical_id: bool = False


class TemplateError(Exception):
    pass


def load_sam(template_path: Path) -> dict:
    return parse_sam(template_path.read_text(encoding="utf-8"))


def parse_sam(text: str) -> dict:
    """YAML with CloudFormation's short tags (!Ref, !Sub...) read as SAM reads them."""
    from samtranslator.yaml_helper import yaml_parse
    return yaml_parse(text)


def transform(sam: dict, base_dir: Path, values: StackValues) -> dict:
    """The SAM transform as `sam deploy` has CloudFormation run it, offline.

    Local CodeUri values become a placeholder S3 location (code is irrelevant to IAM) and each
    DefinitionUri's file is inlined as Definition, so the definition is part of the result.
    """
    from samtranslator.translator.transform import transform as sam_transform

    sam = copy.deepcopy(sam)
    for logical_id, r in sam.get("Resources", {}).items():
        props = r.get("Properties") or {}
        if r.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri", "."), str):
            props["CodeUri"] = "s3://iam-check/code.zip"
        if r.get("Type") == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            path = base_dir / props.pop("DefinitionUri")
            props["Definition"] = json.loads(path.read_text(encoding="utf-8"))
    if "Function" in sam.get("Globals", {}) and "CodeUri" in sam["Globals"]["Function"]:
        sam["Globals"]["Function"]["CodeUri"] = "s3://iam-check/code.zip"

    class NoManagedPolicyLookup:
        def load(self):
            raise TemplateError("the template names a managed policy by name: the checker cannot look it up offline")

    os.environ.setdefault("AWS_DEFAULT_REGION", values.region)
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # "unpublished metrics" chatter
    params = _parameter_values(sam, values)
    return sam_transform(sam, params, NoManagedPolicyLookup())


def _parameter_values(template: dict, values: StackValues) -> dict[str, str]:
    params = {}
    for name, p in (template.get("Parameters") or {}).items():
        if name in values.parameters:
            params[name] = str(values.parameters[name])
        elif "Default" in p:
            params[name] = str(p["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default and no value for the check")
    return params


class Stack:
    """The transformed template with every intrinsic resolved for one StackValues."""

    def __init__(self, transformed: dict, values: StackValues):
        self.template = transformed
        self.values = values
        self.resources: dict = transformed.get("Resources", {})
        self.parameters = _parameter_values(transformed, values)
        self.conditions: dict[str, bool] = {}
        for name in transformed.get("Conditions", {}):
            self.condition(name)

    # -- conditions and intrinsics -----------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            expr = self.template.get("Conditions", {}).get(name)
            if expr is None:
                raise TemplateError(f"unknown condition {name}")
            self.conditions[name] = bool(self.resolve(expr))
        return self.conditions[name]

    def exists(self, logical_id: str) -> bool:
        r = self.resources.get(logical_id)
        return r is not None and ("Condition" not in r or self.condition(r["Condition"]))

    def resolve(self, v):
        if isinstance(v, list):
            return [x for x in (self.resolve(i) for i in v) if x is not NO_VALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (k, arg), = v.items()
            fn = _FUNCTIONS.get(k)
            if fn is not None:
                return fn(self, arg)
        out = {}
        for k, x in v.items():
            r = self.resolve(x)
            if r is not NO_VALUE:
                out[k] = r
        return out

    def ref(self, name: str):
        pseudo = {
            "AWS::Region": self.values.region, "AWS::AccountId": self.values.account,
            "AWS::Partition": self.values.partition, "AWS::StackName": self.values.stack_name,
            "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": NO_VALUE,
            "AWS::StackId": f"arn:{self.values.partition}:cloudformation:{self.values.region}:"
                            f"{self.values.account}:stack/{self.values.stack_name}/local",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        r = self.resources.get(name)
        if r is None:
            raise TemplateError(f"Ref to unknown {name}")
        if not self.exists(name):
            raise TemplateError(f"Ref to {name}, which this stack does not create (condition)")
        return self._ref_value(name, r)

    def get_att(self, logical_id: str, attribute: str):
        r = self.resources.get(logical_id)
        if r is None:
            raise TemplateError(f"GetAtt on unknown {logical_id}")
        t, p = r["Type"], self.resolve(r.get("Properties") or {})
        arn = self.arn_prefix
        name = self.physical_name(logical_id)
        table = {
            ("AWS::Lambda::Function", "Arn"): lambda: f"{arn('lambda')}function:{name}",
            ("AWS::S3::Bucket", "Arn"): lambda: f"arn:{self.values.partition}:s3:::{name}",
            ("AWS::DynamoDB::Table", "Arn"): lambda: f"{arn('dynamodb')}table/{name}",
            ("AWS::IAM::Role", "Arn"): lambda: f"arn:{self.values.partition}:iam::{self.values.account}:role/{name}",
            ("AWS::Logs::LogGroup", "Arn"): lambda: f"{arn('logs')}log-group:{name}:*",
            ("AWS::SQS::Queue", "Arn"): lambda: f"{arn('sqs')}{name}",
            ("AWS::SQS::Queue", "QueueName"): lambda: name,
            ("AWS::SQS::Queue", "QueueUrl"): lambda: self._ref_value(logical_id, r),
            ("AWS::StepFunctions::StateMachine", "Name"): lambda: name,
            ("AWS::StepFunctions::StateMachine", "Arn"): lambda: self._ref_value(logical_id, r),
            ("AWS::Lambda::Version", "Version"): lambda: "1",
            ("AWS::Events::Rule", "Arn"): lambda: f"{arn('events')}rule/{name}",
            ("AWS::SNS::Topic", "TopicArn"): lambda: f"{arn('sns')}{name}",
            ("AWS::SecretsManager::Secret", "Id"): lambda: self._ref_value(logical_id, r),
        }
        f = table.get((t, attribute))
        if f is None:
            raise TemplateError(f"GetAtt {logical_id}.{attribute} ({t}) is not known to the checker")
        del p
        return f()

    def arn_prefix(self, service: str) -> str:
        return f"arn:{self.values.partition}:{service}:{self.values.region}:{self.values.account}:"

    _NAME_PROPERTIES = {
        "AWS::S3::Bucket": "BucketName", "AWS::DynamoDB::Table": "TableName",
        "AWS::Lambda::Function": "FunctionName", "AWS::StepFunctions::StateMachine": "StateMachineName",
        "AWS::SQS::Queue": "QueueName", "AWS::Logs::LogGroup": "LogGroupName", "AWS::IAM::Role": "RoleName",
        "AWS::SecretsManager::Secret": "Name", "AWS::SNS::Topic": "TopicName", "AWS::Events::Rule": "Name",
    }

    def physical_name(self, logical_id: str) -> str:
        r = self.resources[logical_id]
        prop = self._NAME_PROPERTIES.get(r["Type"])
        props = r.get("Properties") or {}
        if prop and prop in props:
            return str(self.resolve(props[prop]))
        if logical_id in self.values.physical_ids:
            return self.values.physical_ids[logical_id]
        if r["Type"] == "AWS::Lambda::Function" and self.values.functions_by_logical_id:
            return logical_id
        return f"{self.values.stack_name}-{logical_id}"

    def _ref_value(self, logical_id: str, r: dict):
        t = r["Type"]
        name = self.physical_name(logical_id)
        p = r.get("Properties") or {}
        if t == "AWS::Lambda::Alias":
            fn = self.resolve(p["FunctionName"])
            return f"{self.arn_prefix('lambda')}function:{fn}:{self.resolve(p['Name'])}"
        if t == "AWS::Lambda::Version":
            fn = self.resolve(p["FunctionName"])
            return f"{self.arn_prefix('lambda')}function:{fn}:1"
        if t == "AWS::StepFunctions::StateMachine":
            return f"{self.arn_prefix('states')}stateMachine:{name}"
        if t == "AWS::SecretsManager::Secret":
            return self.values.physical_ids.get(logical_id, f"{self.arn_prefix('secretsmanager')}secret:{name}-AbCdEf")
        if t == "AWS::SQS::Queue":
            return f"https://sqs.{self.values.region}.amazonaws.com/{self.values.account}/{name}"
        if t == "AWS::SNS::Topic":
            return f"{self.arn_prefix('sns')}{name}"
        return name

    # -- what the checker reads --------------------------------------------------------------

    def roles(self) -> dict[str, Role]:
        out = {}
        for logical_id, r in self.resources.items():
            if r["Type"] != "AWS::IAM::Role" or not self.exists(logical_id):
                continue
            props = r.get("Properties") or {}
            statements = []
            for policy in self.resolve(props.get("Policies", [])):
                statements += statements_of(logical_id, policy["PolicyName"], policy["PolicyDocument"])
            out[logical_id] = Role(logical_id, statements, [str(a) for a in self.resolve(props.get("ManagedPolicyArns", []))])
        return out

    def role_of(self, logical_id: str) -> str:
        """The logical id of the role a function or state machine runs with."""
        props = self.resources[logical_id].get("Properties") or {}
        ref = props.get("Role") if "Role" in props else props.get("RoleArn")
        if isinstance(ref, dict) and "Fn::GetAtt" in ref:
            return ref["Fn::GetAtt"][0]
        raise TemplateError(f"{logical_id}: its role is not a role of this template ({ref})")

    def functions(self) -> list[str]:
        return sorted(k for k, r in self.resources.items() if r["Type"] == "AWS::Lambda::Function" and self.exists(k))

    def state_machines(self) -> list[str]:
        return sorted(k for k, r in self.resources.items()
                      if r["Type"] == "AWS::StepFunctions::StateMachine" and self.exists(k))

    def definition(self, logical_id: str) -> dict:
        """A state machine's definition as Step Functions receives it: substitutions applied."""
        props = self.resources[logical_id]["Properties"]
        if "DefinitionString" in props:
            text = self.resolve(props["DefinitionString"])
        elif "Definition" in props:
            text = json.dumps(self.resolve(props["Definition"]))
        else:
            raise TemplateError(f"{logical_id} has no inline definition")
        subs = {k: str(v) for k, v in self.resolve(props.get("DefinitionSubstitutions", {})).items()}

        def sub(m):
            if m.group(1) not in subs:
                raise TemplateError(f"{logical_id}: no substitution for ${{{m.group(1)}}}")
            return subs[m.group(1)]
        return json.loads(re.sub(r"\$\{([A-Za-z0-9_.:-]+)\}", sub, text))

    def function_name(self, logical_id: str) -> str:
        return self.physical_name(logical_id)


def _sub(stack: Stack, arg):
    if isinstance(arg, list):
        text, variables = arg[0], stack.resolve(arg[1])
    else:
        text, variables = arg, {}

    def one(m):
        expr = m.group(1)
        if expr.startswith("!"):
            return "${" + expr[1:] + "}"
        if expr in variables:
            return str(variables[expr])
        if "." in expr and not expr.startswith("AWS::"):
            res, att = expr.split(".", 1)
            return str(stack.get_att(res, att))
        v = stack.ref(expr)
        if v is NO_VALUE:
            raise TemplateError(f"Fn::Sub of AWS::NoValue in {text!r}")
        return str(v)
    return re.sub(r"\$\{([^}]+)\}", one, text)


def _if(stack: Stack, arg):
    cond, yes, no = arg
    return stack.resolve(yes if stack.condition(cond) else no)


def _get_att(stack: Stack, arg):
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    return stack.get_att(arg[0], stack.resolve(arg[1]))


def _join(stack: Stack, arg):
    sep, items = arg
    return sep.join(str(x) for x in stack.resolve(items))


def _select(stack: Stack, arg):
    return stack.resolve(arg[1])[int(stack.resolve(arg[0]))]


def _split(stack: Stack, arg):
    return str(stack.resolve(arg[1])).split(stack.resolve(arg[0]))


_FUNCTIONS = {
    "Ref": lambda s, a: s.ref(a),
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Equals": lambda s, a: str(s.resolve(a[0])) == str(s.resolve(a[1])),
    "Fn::Not": lambda s, a: not s.resolve(a[0]),
    "Fn::And": lambda s, a: all(s.resolve(x) for x in a),
    "Fn::Or": lambda s, a: any(s.resolve(x) for x in a),
    "Condition": lambda s, a: s.condition(a),
}
