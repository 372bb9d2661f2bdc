"""Identity-based policy evaluation, as IAM does it for one principal: an explicit Deny wins, else an
Allow whose Action, Resource and Condition all match, else the implicit deny.

Only what the template's roles use is supported; anything else (NotAction, NotResource, an unknown
condition operator) is refused loudly rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .sar import glob_matches


class UnsupportedPolicy(Exception):
    pass


@dataclass
class Statement:
    origin: str             # "<role> / <policy name> / <Sid or index>"
    effect: str
    actions: list[str]
    resources: list[str]
    condition: dict = field(default_factory=dict)

    def matches_action(self, action: str) -> bool:
        return any(glob_matches(a, action, case_sensitive=False) for a in self.actions)

    def matches_resource(self, arn: str) -> bool:
        return any(glob_matches(r, arn) for r in self.resources)


@dataclass
class Role:
    logical_id: str
    statements: list[Statement]
    managed_policy_arns: list[str]


def statements_of(role_id: str, policy_name: str, document: dict) -> list[Statement]:
    out = []
    stmts = document.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    for i, s in enumerate(stmts):
        for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
            if unsupported in s:
                raise UnsupportedPolicy(f"{role_id} / {policy_name}: {unsupported} is not supported by the checker")
        out.append(Statement(
            origin=f"{role_id} / {policy_name} / {s.get('Sid', '#' + str(i))}",
            effect=s.get("Effect", "Allow"),
            actions=_list(s.get("Action")),
            resources=_list(s.get("Resource")),
            condition=s.get("Condition") or {}))
    return out


def _list(v) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in (v if isinstance(v, list) else [v])]


@dataclass
class Decision:
    allowed: bool
    by: list[Statement]
    reason: str


def evaluate(role: Role, action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
    """May role call action on resource, given the request's condition keys (context)?"""
    context = context or {}
    allows, denies = [], []
    for s in role.statements:
        if s.matches_action(action) and s.matches_resource(resource) and conditions_hold(s.condition, context):
            (denies if s.effect == "Deny" else allows).append(s)
    if denies:
        return Decision(False, denies, "explicitly denied")
    if allows:
        return Decision(True, allows, "allowed")
    return Decision(False, [], "no statement allows it")


_STRING_OPS = {"StringEquals", "StringLike", "ArnEquals", "ArnLike", "StringEqualsIgnoreCase"}


def conditions_hold(condition: dict, context: dict[str, str]) -> bool:
    """Every operator/key pair must hold; a key absent from the request context fails the test."""
    for op, tests in condition.items():
        base = op.removesuffix("IfExists")
        if base not in _STRING_OPS and base != "Bool":
            raise UnsupportedPolicy(f"condition operator {op} is not supported by the checker")
        for key, wanted in tests.items():
            wanted = _list(wanted)
            actual = _lookup(context, key)
            if actual is None:
                if op.endswith("IfExists"):
                    continue
                return False
            if base in ("StringEquals", "ArnEquals", "Bool"):
                ok = actual in wanted
            elif base == "StringEqualsIgnoreCase":
                ok = actual.lower() in [w.lower() for w in wanted]
            else:
                ok = any(glob_matches(w, actual) for w in wanted)
            if not ok:
                return False
    return True


def _lookup(context: dict[str, str], key: str) -> str | None:
    for k, v in context.items():
        if k.lower() == key.lower():
            return v
    return None
