"""tools/iam-check: the AWS calls recorded during the end-to-end tests (target/aws-calls) and the
state machines' tasks, against the roles of template.yaml as SAM transforms it for the local stack.

Exit status 0 when there is no violation, 1 otherwise. The report also goes to --report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .check import run
from .local_stack import LOCAL
from .stack import Stack, load_sam, transform


def read_calls(directory: Path) -> list[dict]:
    calls = []
    for f in sorted(directory.glob("*.jsonl")) if directory.is_dir() else []:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                calls.append(json.loads(line))
    return calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="iam-check", description=__doc__)
    ap.add_argument("--template", type=Path, default=Path("template.yaml"))
    ap.add_argument("--calls", type=Path, default=Path("target/aws-calls"), help="directory of calls-*.jsonl")
    ap.add_argument("--report", type=Path, default=Path("target/iam-report.txt"))
    ap.add_argument("--partial", action="store_true",
                    help="a partial test run: functions without calls are noted, not violations")
    args = ap.parse_args(argv)

    transformed = transform(load_sam(args.template), args.template.parent, LOCAL)
    stack = Stack(transformed, LOCAL)
    report = run(stack, read_calls(args.calls), partial=args.partial)
    text = report.text()
    print(text)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text + "\n", encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
