"""Where kfix keeps what it can fetch or compute again: $XDG_CACHE_HOME/kfix (default
~/.cache/kfix), one directory per kind (llm answers, fetched policies)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """The cache directory for one kind of thing; not created here."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(home) / "kfix" / kind
