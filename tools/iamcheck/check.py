"""The IAM check: the calls each function made, and the tasks of each state machine, against the
roles of the SAM-transformed template and the Service Authorization Reference.

Violations (the check fails):
- a recorded call (or a Task of a definition) that its role does not allow on that resource;
- a grant whose resources include no form the action supports (states:SendTaskSuccess on a state
  machine ARN: AWS never matches it, the call is denied);
- a grant on "*" for an action that supports resource-level permissions (name the resource);
- a condition key the action does not support (the statement can never match as intended);
- an action the reference does not know, an operation the checker has no rule for, a function
  that made no call at all (the recording is incomplete).

Information: each function's calls, the grants no test exercised, resources of a multi-action
statement that one of its actions cannot use, managed policies (not expanded offline).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .needs import Need, UnknownOperation, destination_need, for_call, for_definition
from .policy import Statement, evaluate
from .sar import ServiceAuthorizationReference, glob_matches
from .stack import Stack


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    calls: dict[str, Counter] = field(default_factory=dict)          # principal -> (action, granted as) -> n
    unexercised: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # role -> (statement, action, resource)
    dead: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # statement -> (action, resource) never usable
    managed: dict[str, list[str]] = field(default_factory=dict)  # managed policy ARN -> roles
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def text(self) -> str:
        out = ["== IAM check: calls and tasks against the roles of the SAM-transformed template"]
        for principal in sorted(self.calls):
            total = sum(self.calls[principal].values())
            out.append(f"{principal}: {total} authorizations")
            for (action, resource), n in sorted(self.calls[principal].items()):
                out.append(f"    {action:34} {resource}  ×{n}")
        out.append("")
        out.append("== grants no test exercised (information)")
        for role in sorted(self.unexercised):
            grouped: dict[tuple[str, str], list[str]] = {}
            for statement, action, resource in self.unexercised[role]:
                grouped.setdefault((statement, resource), []).append(action)
            if grouped:
                out.append(f"{role}:")
            for (statement, resource), actions in grouped.items():
                out.append(f"    {_actions(actions)} on {resource}  [{statement}]")
        out.append("")
        out.append("== notes")
        for arn, roles in sorted(self.managed.items()):
            out.append(f"    managed policy {arn} (AWS-maintained, not expanded offline): {', '.join(sorted(roles))}")
        for statement, pairs in sorted(self.dead.items()):
            out.append(f"    {statement}: {len(pairs)} action/resource pair(s) of this multi-action statement can never "
                       f"match (e.g. {sorted(pairs)[0][0]} on {sorted(pairs)[0][1]}); other resources serve each action")
        out.extend(f"    {n}" for n in self.notes)
        out.append("")
        if self.violations:
            out.append(f"== {len(self.violations)} violation(s)")
            out.extend(f"  ✗ {v}" for v in self.violations)
        else:
            out.append("== no violation")
        return "\n".join(out)


class Checker:
    def __init__(self, stack: Stack, sar: ServiceAuthorizationReference):
        self.stack = stack
        self.sar = sar
        self.roles = stack.roles()
        self.report = Report()
        # (role, statement origin, action, resource pattern) used by at least one need
        self.exercised: set[tuple[str, str, str, str]] = set()
        self._violations: Counter = Counter()

    # -- needs (recorded calls and definition tasks) -------------------------------------------

    def check_calls(self, calls: list[dict], partial: bool = False) -> None:
        by_name = {self.stack.function_name(f): f for f in self.stack.functions()}
        seen = set()
        for call in calls:
            fn = by_name.get(call["function"])
            if fn is None:
                self._violation(f"a call was recorded for function {call['function']!r}, which is not in the template "
                                f"(known: {sorted(by_name)})")
                continue
            seen.add(fn)
            try:
                needs = for_call(call, self.stack.values.partition, self.stack.values.account)
            except (UnknownOperation, KeyError) as e:
                self._violation(f"{fn}: cannot tell what {call['service']}.{call['operation']} needs: {e}")
                continue
            self._check_needs(fn, self.stack.role_of(fn), needs)
        missing = [f for f in self.stack.functions() if f not in seen]
        if not calls:
            self._violation("no AWS call was recorded: is the recorder loaded (src/test/resources/software/amazon/"
                            "awssdk/global/handlers/execution.interceptors) and did the end-to-end tests run?")
        elif missing and not partial:
            self._violation(f"no call recorded for {', '.join(missing)}: the end-to-end suite must exercise every "
                            "function for the proof to cover its role")
        elif missing:
            self.report.notes.append(f"no call recorded for {', '.join(missing)} (partial run)")

    def check_state_machines(self) -> None:
        v = self.stack.values
        for sm in self.stack.state_machines():
            needs, dynamic = for_definition(self.stack.definition(sm), v.partition, v.region, v.account)
            for d in dynamic:
                self._violation(f"{sm}: {d}: its permission cannot be checked statically")
            self._check_needs(sm, self.stack.role_of(sm), needs)

    def check_destinations(self) -> None:
        """Lambda sends a failed (or finished) asynchronous event to its destination with the
        function's own role: the role must allow that, although the code never makes the call."""
        by_name = {self.stack.function_name(f): f for f in self.stack.functions()}
        for cfg_id, r in sorted(self.stack.resources.items()):
            if r["Type"] != "AWS::Lambda::EventInvokeConfig" or not self.stack.exists(cfg_id):
                continue
            props = self.stack.resolve(r["Properties"])
            fn = by_name[str(props["FunctionName"]).split(":function:")[-1].split(":")[0]]
            needs = []
            for when, dest in (props.get("DestinationConfig") or {}).items():
                needs.append(destination_need(dest["Destination"], f"{cfg_id} {when} destination"))
            self._check_needs(fn, self.stack.role_of(fn), needs)

    def _check_needs(self, principal: str, role_id: str, needs: list[Need]) -> None:
        role = self.roles[role_id]
        counts = self.report.calls.setdefault(principal, Counter())
        for need in needs:
            action = self.sar.action(need.action)
            if action is None:
                self._violation(f"{principal}: {need.why} needs {need.action}, which the Service Authorization "
                                "Reference does not know")
                continue
            if need.resource != "*" and not action.types_for(need.resource):
                self._violation(f"{principal}: {need.why}: {need.resource} is no resource type of {need.action} "
                                f"({', '.join(t.arn for t in action.resource_types) or 'only *'})")
            decision = evaluate(role, action.full_name, need.resource)
            if not decision.allowed:
                self._violation(f"{principal}: {need.why} needs {action.full_name} on {need.resource}: "
                                f"{decision.reason} in {role_id}")
                counts[(action.full_name, "DENIED " + need.resource)] += 1
                continue
            granted_as = None
            for s in decision.by:
                for r in s.resources:
                    if glob_matches(r, need.resource):
                        self.exercised.add((role_id, s.origin, action.full_name.lower(), r))
                        granted_as = granted_as or r
            counts[(action.full_name, granted_as)] += 1

    # -- the grants themselves -----------------------------------------------------------------

    def check_grants(self) -> None:
        for role_id, role in sorted(self.roles.items()):
            for arn in role.managed_policy_arns:
                self.report.managed.setdefault(arn, []).append(role_id)
            unexercised = []
            for s in role.statements:
                if s.effect != "Allow":
                    continue
                for pattern in s.actions:
                    actions = self.sar.expand(pattern) if ("*" in pattern or "?" in pattern) else \
                        [a for a in [self.sar.action(pattern)] if a]
                    if not actions:
                        self._violation(f"{s.origin}: {pattern} is no action of the Service Authorization Reference")
                        continue
                    for action in actions:
                        self._check_grant(role_id, s, action, unexercised)
            self.report.unexercised[role_id] = unexercised

    def _check_grant(self, role_id: str, s: Statement, action, unexercised: list[str]) -> None:
        usable = []
        for r in s.resources:
            if r == "*":
                if action.resource_level:
                    self._violation(f"{s.origin}: {action.full_name} on '*', but the action supports resource-level "
                                    f"permissions ({', '.join(sorted(t.name for t in action.resource_types))}): name them")
                usable.append(r)
            elif not action.resource_level:
                continue  # only "*" can match; reported below when nothing else does
            elif action.types_for(r):
                usable.append(r)
        dead = [r for r in s.resources if r not in usable]
        if not usable:
            needed = "'*' (the action supports no resource-level permission)" if not action.resource_level else \
                ", ".join(t.arn for t in action.resource_types)
            self._violation(f"{s.origin}: {action.full_name} is granted on {', '.join(s.resources)}, no form the "
                            f"action supports, so AWS never allows it; it needs {needed}")
        elif dead:
            self.report.dead.setdefault(s.origin, set()).update((action.full_name, r) for r in dead)
        for op, tests in s.condition.items():
            for key in tests:
                if not key.lower().startswith("aws:") and not action.supports_condition_key(key):
                    self._violation(f"{s.origin}: condition key {key} does not apply to {action.full_name}")
        for r in usable:
            if (role_id, s.origin, action.full_name.lower(), r) not in self.exercised:
                unexercised.append((s.origin.split(" / ", 1)[1], action.full_name, r))

    def _violation(self, message: str) -> None:
        if message not in self._violations:
            self.report.violations.append(message)
        self._violations[message] += 1

    def finish(self) -> Report:
        for i, v in enumerate(self.report.violations):
            n = self._violations[v]
            if n > 1:
                self.report.violations[i] = f"{v}  (×{n})"
        return self.report


def _actions(actions: list[str]) -> str:
    """dynamodb:GetItem, dynamodb:Scan -> dynamodb:{GetItem,Scan}"""
    services = {a.split(":")[0] for a in actions}
    if len(actions) > 1 and len(services) == 1:
        return f"{services.pop()}:{{{','.join(a.split(':')[1] for a in actions)}}}"
    return ", ".join(actions)


def run(stack: Stack, calls: list[dict], partial: bool = False,
        sar: ServiceAuthorizationReference | None = None) -> Report:
    checker = Checker(stack, sar or ServiceAuthorizationReference())
    checker.check_calls(calls, partial)
    checker.check_state_machines()
    checker.check_destinations()
    checker.check_grants()  # after the needs: it lists what they did not exercise
    return checker.finish()

