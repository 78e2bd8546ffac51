"""The package tree is the pipeline: imports only point down it.

Each package (or top-level module) has a rank; a module may import kfix modules of its
own package or of a lower rank, never of a higher one, so no stage imports a later
stage, a command back end or the CLI. Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kfix"

# lowest first: records and errors, the stages in pipeline order, then what composes them
RANKS = {
    "kfix.errors": 0, "kfix.model": 0, "kfix.pointer": 0, "kfix.k8s": 0, "kfix.cache": 0,
    "kfix.collector": 0,  # the cyclic garbage collector, paused while documents are held
    "kfix.load": 1,  # 1 load: manifests and data files
    "kfix.cluster": 1,  # a live cluster: read its objects (GET only), apply approved changes
    "kfix.engine": 2,  # the Rego engines and Rego source tools
    "kfix.pack": 3,  # policies: loading, METADATA, catalog
    "kfix.evaluate": 4,  # 2 evaluate: conftest's rule semantics
    "kfix.gatekeeper": 5,  # 2 evaluate: ConstraintTemplates and Constraints
    "kfix.llm": 6,  # a model's patches: client and repair
    "kfix.patch": 7,  # 3 patch and 4 verify
    "kfix.writer": 8,  # 5 write
    "kfix.runner": 9,  # the stages in order: scan, fix
    "kfix.plan": 10,  # kfix plan, approve, apply, rollback, audit: reviewed remediation
    "kfix.output": 11,  # 6 report: reads the model (and plan records) only
    "kfix.policytest": 12,  # kfix test and kfix verify
    "kfix.author": 13,  # kfix policy new and kfix draft
    "kfix.cli": 14,
}


def owner(module: str) -> str:
    """The ranked package or module a dotted module name belongs to."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        if name in RANKS:
            return name
    raise AssertionError(f"{module} has no rank in tests/test_layout.py")


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_bundled" in path.parts:
            continue
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found.append((dotted.removesuffix(".__init__"), path))
    assert len(found) > 50, "the kfix package was not found"
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Every kfix module imported, with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found += [(f"{base}.{alias.name}" if base == "kfix" else base, node.lineno)
                      for alias in node.names]
    # `kfix` itself only defines __version__ and the lazy public API: importing it is free
    return [(name, line) for name, line in found
            if name.startswith("kfix.") and name != "kfix.__version__"]


@pytest.mark.parametrize(("module", "path"), modules(), ids=lambda value: str(value))
def test_imports_point_down_the_pipeline(module: str, path: Path) -> None:
    if module in ("kfix", "kfix.__main__"):  # the public API and `python -m kfix` sit on top
        return
    mine = owner(module)
    upward = [f"{path.name}:{line} imports {name} ({owner(name)}, rank {RANKS[owner(name)]})"
              for name, line in imports(module, path)
              if owner(name) != mine and RANKS[owner(name)] > RANKS[mine]]
    assert not upward, f"{module} (rank {RANKS[mine]}) imports up the pipeline: {upward}"


def test_a_module_of_each_rank_exists() -> None:
    owners = {owner(module) for module, _ in modules() if module not in ("kfix", "kfix.__main__")}
    assert owners == set(RANKS)
