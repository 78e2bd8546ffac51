"""What the CLI tests share: writing an input file, and the check that a run ended as
kfix means runs to end (no traceback, no "unexpected error")."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr
    assert "unexpected error" not in done.stderr
