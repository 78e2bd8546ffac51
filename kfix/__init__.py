"""kfix: policy-as-code for Kubernetes manifests on embedded OPA.

The Python API is what the CLI calls: a run returns a result record and prints nothing.

    import kfix

    result = kfix.scan(["deploy/"])                  # conftest's `test`, as `kfix scan`
    for check in result.results:
        for finding in check.failures:
            print(finding.file, finding.line, finding.policy_id, finding.message)

    fixed = kfix.fix(["deploy/"], kfix.FixOptions(params={"run_as_user": 10001}))
    kfix.write_changes(fixed.changes, kfix.WriteMode.WRITE, ["deploy/"], None)

Names are imported on first use, so `import kfix` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name → the module that defines it
_EXPORTS = {
    "scan": "kfix.runner.scan",
    "ScanOptions": "kfix.runner.scan",
    "fix": "kfix.runner.fix",
    "FixOptions": "kfix.runner.fix",
    "write_changes": "kfix.writer.files",
    "WriteMode": "kfix.writer.files",
    "ScanResult": "kfix.model",
    "CheckResult": "kfix.model",
    "Finding": "kfix.model",
    "FixResult": "kfix.model",
    "Resolution": "kfix.model",
    "FileChange": "kfix.model",
    "Problem": "kfix.model",
    "PolicyInfo": "kfix.model",
    "KfixError": "kfix.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # the same names, for type checkers (`as` marks them as re-exported)
    from kfix.errors import KfixError as KfixError
    from kfix.model import CheckResult as CheckResult
    from kfix.model import FileChange as FileChange
    from kfix.model import Finding as Finding
    from kfix.model import FixResult as FixResult
    from kfix.model import PolicyInfo as PolicyInfo
    from kfix.model import Problem as Problem
    from kfix.model import Resolution as Resolution
    from kfix.model import ScanResult as ScanResult
    from kfix.runner.fix import FixOptions as FixOptions
    from kfix.runner.fix import fix as fix
    from kfix.runner.scan import ScanOptions as ScanOptions
    from kfix.runner.scan import scan as scan
    from kfix.writer.files import WriteMode as WriteMode
    from kfix.writer.files import write_changes as write_changes


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kfix' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
