"""What AWS authorizes for one call: the IAM action(s) and resource ARN(s) it needs.

From a recorded SDK call (AwsCallRecorder: service, operation, the request members that name a
resource, the outcome) and from a state machine's Task states (the Lambda functions and state
machines the Step Functions service calls with the state machine's role, and the event buses it
sends events to). An operation without a
rule here is reported as unknown: add its rule (from the service's API reference) rather than
let it pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse, parse_qs


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    why: str  # e.g. "S3.CopyObject (source)"


class UnknownOperation(Exception):
    pass


def for_call(call: dict, partition: str, account: str) -> list[Need]:
    service = call["service"]
    op = call["operation"]
    p = call.get("params") or {}
    region = call.get("region") or ""
    what = f"{service}.{op}"
    rule = _RULES.get(service)
    if rule is None:
        raise UnknownOperation(f"{what}: no rule for the service {service}")
    return rule(op, p, what, call.get("outcome", "ok"), partition, region, account)


def _s3(op, p, what, outcome, partition, region, account):
    def obj(bucket, key):
        return f"arn:{partition}:s3:::{bucket}/{key}"

    def bucket_arn(bucket):
        return f"arn:{partition}:s3:::{bucket}"

    needs = []
    if op in ("GetObject", "HeadObject"):
        read = "s3:GetObjectVersion" if p.get("VersionId") else "s3:GetObject"
        needs.append(Need(read, obj(p["Bucket"], p["Key"]), what))
        if outcome in ("NoSuchKey", "NotFound", "404"):
            # Without s3:ListBucket S3 answers a missing key with 403 AccessDenied, not 404: code that
            # treats "not found" as a normal outcome needs it.
            needs.append(Need("s3:ListBucket", bucket_arn(p["Bucket"]), what + " (404 on a missing key)"))
    elif op in ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
        needs.append(Need("s3:PutObject", obj(p["Bucket"], p["Key"]), what))
    elif op == "AbortMultipartUpload":
        needs.append(Need("s3:AbortMultipartUpload", obj(p["Bucket"], p["Key"]), what))
    elif op in ("CopyObject", "UploadPartCopy"):
        src_bucket, src_key, src_version = _copy_source(p)
        read = "s3:GetObjectVersion" if src_version else "s3:GetObject"
        needs.append(Need(read, obj(src_bucket, src_key), what + " (source)"))
        dest_bucket = p.get("DestinationBucket") or p.get("Bucket")
        dest_key = p.get("DestinationKey") or p.get("Key")
        needs.append(Need("s3:PutObject", obj(dest_bucket, dest_key), what + " (destination)"))
    elif op == "DeleteObject":
        action = "s3:DeleteObjectVersion" if p.get("VersionId") else "s3:DeleteObject"
        needs.append(Need(action, obj(p["Bucket"], p["Key"]), what))
    elif op in ("ListObjectsV2", "ListObjects", "HeadBucket"):
        needs.append(Need("s3:ListBucket", bucket_arn(p["Bucket"]), what))
    elif op == "ListObjectVersions":
        needs.append(Need("s3:ListBucketVersions", bucket_arn(p["Bucket"]), what))
    else:
        raise UnknownOperation(f"{what}: no rule for this S3 operation")
    return needs


def _copy_source(p: dict) -> tuple[str, str, str | None]:
    if p.get("SourceBucket"):
        return p["SourceBucket"], p["SourceKey"], p.get("SourceVersionId")
    source = p["CopySource"]  # URL-encoded "bucket/key[?versionId=...]"
    path, _, query = source.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    version = parse_qs(query).get("versionId", [None])[0]
    return bucket, key, version


def _dynamodb(op, p, what, outcome, partition, region, account):
    table = f"arn:{partition}:dynamodb:{region}:{account}:table/{p['TableName']}"
    if op in ("Query", "Scan") and p.get("IndexName"):
        return [Need(f"dynamodb:{op}", f"{table}/index/{p['IndexName']}", what)]
    if op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable",
              "ConditionCheckItem", "DescribeTimeToLive"):
        return [Need(f"dynamodb:{op}", table, what)]
    raise UnknownOperation(f"{what}: no rule for this DynamoDB operation")


def _sfn(op, p, what, outcome, partition, region, account):
    if op in ("StartExecution", "StartSyncExecution", "ListExecutions", "DescribeStateMachine"):
        return [Need(f"states:{op}", p["StateMachineArn"], what)]
    if op in ("DescribeExecution", "StopExecution", "GetExecutionHistory", "RedriveExecution"):
        return [Need(f"states:{op}", p["ExecutionArn"], what)]
    if op in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
        # The task token names no resource: AWS authorizes these on "*" only.
        return [Need(f"states:{op}", "*", what)]
    raise UnknownOperation(f"{what}: no rule for this Step Functions operation")


def _secretsmanager(op, p, what, outcome, partition, region, account):
    if op in ("GetSecretValue", "DescribeSecret"):
        secret = p["SecretId"]
        if not secret.startswith("arn:"):
            secret = f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret}"
        return [Need(f"secretsmanager:{op}", secret, what)]
    raise UnknownOperation(f"{what}: no rule for this Secrets Manager operation")


def _sqs(op, p, what, outcome, partition, region, account):
    url = urlparse(p["QueueUrl"])
    _, acct, name = url.path.split("/", 2)
    return [Need(f"sqs:{op}", f"arn:{partition}:sqs:{region}:{acct}:{name}", what)]


def _lambda(op, p, what, outcome, partition, region, account):
    if op == "Invoke":
        fn = p["FunctionName"]
        if not fn.startswith("arn:"):
            fn = f"arn:{partition}:lambda:{region}:{account}:function:{fn}"
        if p.get("Qualifier"):
            fn += ":" + p["Qualifier"]
        return [Need("lambda:InvokeFunction", fn, what)]
    raise UnknownOperation(f"{what}: no rule for this Lambda operation")


_RULES = {
    "S3": _s3,
    "DynamoDb": _dynamodb,
    "DynamoDB": _dynamodb,
    "Sfn": _sfn,
    "SFN": _sfn,
    "SecretsManager": _secretsmanager,
    "Secrets Manager": _secretsmanager,
    "Sqs": _sqs,
    "SQS": _sqs,
    "Lambda": _lambda,
}


# ---------------------------------------------------------------------------------------------
# State machine definitions: what Step Functions does with the state machine's role.

def for_definition(definition: dict, partition: str, region: str, account: str) -> tuple[list[Need], list[str]]:
    """The needs of every Task state, and the tasks whose target is only known at run time."""
    needs: list[Need] = []
    dynamic: list[str] = []
    for name, state in _states(definition):
        if state.get("Type") != "Task":
            continue
        resource = state.get("Resource", "")
        params = state.get("Parameters") or state.get("Arguments") or {}
        where = f"Task '{name}'"
        if ":lambda:" in resource and ":function:" in resource:
            needs.append(Need("lambda:InvokeFunction", resource, where))
        elif resource.split(":::")[-1].startswith("lambda:invoke"):
            fn = params.get("FunctionName")
            if fn is None:
                dynamic.append(f"{where}: FunctionName is a path ({params.get('FunctionName.$')})")
            else:
                needs.append(Need("lambda:InvokeFunction", _qualified(fn, params, partition, region, account), where))
        elif resource.split(":::")[-1].startswith("states:startExecution"):
            sm = params.get("StateMachineArn")
            if sm is None:
                dynamic.append(f"{where}: StateMachineArn is a path ({params.get('StateMachineArn.$')})")
                continue
            needs.append(Need("states:StartExecution", sm, where))
            if ".sync" in resource:
                # Step Functions follows the child: DescribeExecution/StopExecution on its executions and
                # the managed EventBridge rule it uses (AWS: "IAM policies for Step Functions" .sync).
                sm_name = sm.split(":stateMachine:")[-1].split(":")[0]
                execution = f"arn:{partition}:states:{region}:{account}:execution:{sm_name}:child"
                needs.append(Need("states:DescribeExecution", execution, where + " (.sync)"))
                needs.append(Need("states:StopExecution", execution, where + " (.sync)"))
                rule = f"arn:{partition}:events:{region}:{account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
                for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
                    needs.append(Need(action, rule, where + " (.sync)"))
        elif resource.split(":::")[-1].startswith("events:putEvents"):
            # PutEvents is authorized per entry on the bus it names: its name in this account and
            # region ("default" when none is given), or its ARN. ".waitForTaskToken" changes nothing.
            for i, entry in enumerate(params.get("Entries") or []):
                bus = entry.get("EventBusName", "default") if "EventBusName.$" not in entry else None
                if bus is None:
                    dynamic.append(f"{where}: entry {i}: EventBusName is a path ({entry['EventBusName.$']})")
                elif bus.startswith("arn:"):
                    needs.append(Need("events:PutEvents", bus, where))
                else:
                    needs.append(Need("events:PutEvents",
                                      f"arn:{partition}:events:{region}:{account}:event-bus/{bus}", where))
            if "Entries.$" in params:
                dynamic.append(f"{where}: Entries is a path ({params['Entries.$']})")
        else:
            dynamic.append(f"{where}: no rule for the resource {resource}")
    return needs, dynamic


def _qualified(fn: str, params: dict, partition, region, account) -> str:
    if not fn.startswith("arn:"):
        fn = f"arn:{partition}:lambda:{region}:{account}:function:{fn}"
    if params.get("Qualifier"):
        fn += ":" + params["Qualifier"]
    return fn


def _states(definition: dict, prefix: str = ""):
    for name, state in (definition.get("States") or {}).items():
        yield prefix + name, state
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _states(state[key], prefix + name + " / ")
        for i, branch in enumerate(state.get("Branches") or []):
            yield from _states(branch, f"{prefix}{name} / branch {i} / ")


def destination_need(arn: str, why: str) -> Need:
    """What Lambda does with the function's role to deliver to an asynchronous invocation destination."""
    service = arn.split(":")[2]
    action = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction",
              "events": "events:PutEvents"}.get(service)
    if action is None:
        raise UnknownOperation(f"{why}: no rule for a destination of the service {service}")
    return Need(action, arn, why)
