"""A stand-in for the `opa` binary's `version` and `eval` commands, on the real OPA engine.

No `opa` binary can be installed on this machine (PyPI, Debian and npm do not carry it),
so the subprocess backend is tested against this: the same OPA 1.20.2 engine that kfix
embeds, behind the command line and JSON report format of `opa eval --format json`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from opa_bindings import OpaEngine, OpaError

_LOCATED = re.compile(
    r"(?P<file>[^\s:]+\.rego):(?P<row>\d+): (?P<code>[a-z_]+): (?P<message>[^\n]*)"
)


def _errors(exc: OpaError) -> dict:
    found = [
        {"message": m["message"], "code": m["code"],
         "location": {"file": m["file"], "row": int(m["row"]), "col": 1}}
        for m in _LOCATED.finditer(exc.message)
    ]
    return {"errors": found or [{"message": exc.message, "code": exc.code}]}


def main() -> int:
    if sys.argv[1:2] == ["version"]:
        print("Version: 1.20.2")
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["eval"])
    parser.add_argument("--format", default="json")
    parser.add_argument("--strict-builtin-errors", action="store_true")
    parser.add_argument("--stdin-input", action="store_true")
    parser.add_argument("--explain")
    parser.add_argument("-d", "--data", action="append", default=[])
    parser.add_argument("query")
    args = parser.parse_args()
    engine = OpaEngine()
    engine.print_handler = lambda message, location: print(f"{location}: {message}",
                                                           file=sys.stderr)
    try:
        for root in args.data:
            path = Path(root)
            for item in sorted(path.rglob("*.rego")) if path.is_dir() else [path]:
                if item.suffix == ".rego":
                    engine.add_policy(str(item), item.read_text())
                elif item.suffix == ".json":
                    engine.add_data(json.loads(item.read_text()))
        document = json.loads(sys.stdin.read() or "null") if args.stdin_input else None
        bindings = engine.eval_query(args.query, document, trace=bool(args.explain))
    except OpaError as exc:
        print(json.dumps(_errors(exc)))
        return 1
    report = {"result": [{"bindings": b} for b in bindings]} if bindings else {}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
