"""Shared by the checker's tests: the repository's template.yaml (or a doctored copy) as the local
stack, and recorded calls written the way AwsCallRecorder writes them."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from iamcheck.check import run
from iamcheck.local_stack import LOCAL
from iamcheck.sar import ServiceAuthorizationReference
from iamcheck.stack import Stack, StackValues, parse_sam, transform

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
REGION, ACCOUNT = LOCAL.region, LOCAL.account
SM = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:apsis-local-import"
EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:apsis-local-import:file-1"
# The secret as Secrets Manager names it (LocalCloud creates "<stack>/apsis"; six random characters
# follow), and the ARN pattern the roles grant for it.
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:apsis-local/apsis-AbCdEf"
SECRET_GRANTED = LOCAL.physical_ids["ApsisSecret"]


@functools.cache
def sar() -> ServiceAuthorizationReference:
    return ServiceAuthorizationReference()


def template_text() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def doctored(old: str, new: str, count: int = 1) -> str:
    """template.yaml with old replaced by new (old must occur count times)."""
    text = template_text()
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in template.yaml"
    return text.replace(old, new)


_transformed: dict = {}


def stack(text: str | None = None, values: StackValues = LOCAL, edit=None) -> Stack:
    text = text if text is not None else template_text()
    key = (text, repr(values))
    if key not in _transformed:  # the SAM transform takes a second or two: once per template and values
        _transformed[key] = transform(parse_sam(text), ROOT, values)
    transformed = copy.deepcopy(_transformed[key])
    if edit:
        edit(transformed)
    return Stack(transformed, values)


def call(function: str, service: str, operation: str, outcome: str = "ok", **params) -> dict:
    return {"function": function, "service": service, "operation": operation, "region": REGION,
            "outcome": outcome, "params": params}


def ddb(function: str, operation: str = "Query") -> dict:
    return call(function, "DynamoDb", operation, TableName="import-slots")


def complete_log() -> list[dict]:
    """One plausible run: every function makes the calls it makes in the end-to-end tests."""
    return [
        call("StartImportFunction", "Sfn", "StartExecution", StateMachineArn=SM, Name="file-1"),
        call("PreflightFileFunction", "S3", "HeadObject", Bucket="landing", Key="inbox/a.csv"),
        call("PreflightFileFunction", "S3", "GetObject", Bucket="landing", Key="config/routes.json"),
        ddb("AcquireSlotFunction"), ddb("AcquireSlotFunction", "PutItem"),
        call("AcquireSlotFunction", "Sfn", "DescribeExecution", ExecutionArn=EXECUTION),
        call("AcquireSlotFunction", "Sfn", "SendTaskSuccess"),
        ddb("RequestImportFunction", "UpdateItem"),
        call("RequestImportFunction", "SecretsManager", "GetSecretValue", SecretId=SECRET),
        call("UploadPartFunction", "S3", "GetObject", Bucket="landing", Key="inbox/a.csv"),
        ddb("UploadPartFunction", "UpdateItem"),
        ddb("CheckImportStatusFunction", "UpdateItem"),
        ddb("ReleaseSlotFunction", "PutItem"), call("ReleaseSlotFunction", "Sfn", "SendTaskSuccess"),
        call("FinishImportFunction", "S3", "CopyObject", CopySource="landing/inbox/a%20b.csv",
             DestinationBucket="landing", DestinationKey="archive/inbox/a b.csv"),
        call("FinishImportFunction", "S3", "DeleteObject", Bucket="landing", Key="inbox/a b.csv"),
        call("FinishImportFunction", "S3", "PutObject", Bucket="landing", Key="reports/inbox/a b.csv.json"),
        call("FinishImportFunction", "S3", "HeadObject", "NoSuchKey", Bucket="landing", Key="inbox/gone.csv"),
        ddb("ReapSlotsFunction"), call("ReapSlotsFunction", "Sfn", "SendTaskSuccess"),
        call("FeedQueueFunction", "S3", "HeadObject", Bucket="landing", Key="config/routes.json"),
        call("FeedQueueFunction", "S3", "GetObject", Bucket="landing", Key="config/routes.json"),
        ddb("FeedQueueFunction"), ddb("FeedQueueFunction", "PutItem"), ddb("FeedQueueFunction", "UpdateItem"),
        ddb("FeedQueueFunction", "DeleteItem"),
        call("FeedQueueFunction", "Sfn", "DescribeExecution", ExecutionArn=EXECUTION),
        call("FeedQueueFunction", "Sfn", "SendTaskSuccess"),
        call("ValidateFileFunction", "S3", "GetObject", Bucket="landing", Key="validate/a.csv"),
        call("ValidateFileFunction", "S3", "CopyObject", CopySource="landing/validate/a.csv",
             DestinationBucket="landing", DestinationKey="archive/validate/a.csv"),
        call("ValidateFileFunction", "S3", "PutObject", Bucket="landing", Key="reports/validate/a.csv.json"),
        call("ValidateFileFunction", "S3", "DeleteObject", Bucket="landing", Key="validate/a.csv"),
    ]


def check(calls: list[dict] | None = None, text: str | None = None, values: StackValues = LOCAL,
          edit=None, partial: bool = False):
    return run(stack(text, values, edit), complete_log() if calls is None else calls, partial=partial, sar=sar())
