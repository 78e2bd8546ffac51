"""A progress bar on stderr for long runs: files done of all, documents and findings so far.

Drawn with click's progress bar, only where someone watches: stderr is a terminal, `CI`
is not set, --quiet was not given, and the run has taken over a second (so short runs
print nothing extra). Pipes and CI logs never see it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import click

# seconds a run may take before the bar appears (KFIX_PROGRESS_AFTER overrides it)
AFTER = float(os.environ.get("KFIX_PROGRESS_AFTER", "1.0"))


def wanted(quiet: bool = False) -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and not quiet


class ProgressBar:
    def __init__(self, label: str, enabled: bool) -> None:
        self._label, self._enabled = label, enabled
        self._started = time.monotonic()
        self._bar: Any = None

    def __call__(self, done: int, total: int, documents: int, findings: int) -> None:
        if not self._enabled or (self._bar is None
                                 and time.monotonic() - self._started < AFTER):
            return
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label=self._label, file=sys.stderr, show_pos=True,
                item_show_func=lambda said: said or "")
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos,
                         current_item=f"{documents} documents, {findings} findings")
        self._bar.render_progress()  # also when only the documents moved, in a long file

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
