"""CloudFormation's Rules section, evaluated for a set of parameter values the way CloudFormation does
before it creates or updates anything: each rule whose RuleCondition holds must have every Assert
hold, else the stack operation is refused with the AssertDescription.

Rule functions (AWS: "Rule functions"): Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains,
Fn::EachMemberEquals, Fn::EachMemberIn, with Ref to parameters inside them.
"""

from __future__ import annotations


class RuleError(Exception):
    pass


def refused(template: dict, parameters: dict[str, str]) -> list[str]:
    """The AssertDescriptions of the assertions that fail for these parameter values."""
    values = {}
    for name, p in (template.get("Parameters") or {}).items():
        values[name] = str(parameters[name]) if name in parameters else str(p.get("Default", ""))
    failures = []
    for name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not _eval(rule["RuleCondition"], values):
            continue
        for a in rule.get("Assertions", []):
            if not _eval(a["Assert"], values):
                failures.append(f"{name}: {a.get('AssertDescription', 'assertion failed')}")
    return failures


def _eval(expr, values):
    if isinstance(expr, str):
        return expr
    if isinstance(expr, list):
        return [_eval(e, values) for e in expr]
    if not isinstance(expr, dict) or len(expr) != 1:
        raise RuleError(f"not a rule expression: {expr!r}")
    (fn, arg), = expr.items()
    if fn == "Ref":
        if arg not in values:
            raise RuleError(f"Ref to {arg}, which is no parameter (rules can only read parameters)")
        return values[arg]
    if fn == "Fn::Equals":
        return _eval(arg[0], values) == _eval(arg[1], values)
    if fn == "Fn::Not":
        return not _eval(arg[0], values)
    if fn == "Fn::And":
        return all(_eval(a, values) for a in arg)
    if fn == "Fn::Or":
        return any(_eval(a, values) for a in arg)
    if fn == "Fn::Contains":
        return _eval(arg[1], values) in _eval(arg[0], values)
    if fn == "Fn::EachMemberEquals":
        return all(m == _eval(arg[1], values) for m in _eval(arg[0], values))
    if fn == "Fn::EachMemberIn":
        allowed = _eval(arg[1], values)
        return all(m in allowed for m in _eval(arg[0], values))
    raise RuleError(f"{fn} is not a rule function CloudFormation supports")
