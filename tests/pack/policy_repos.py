"""Policy repositories made in a test: a real git repository with a tag, and tarballs."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

V1 = 'package main\n\ndeny contains "v1" if { input.kind == "Pod" }\n'
V2 = 'package main\n\ndeny contains "v2" if { input.kind == "Pod" }\n'
_AUTHOR = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env={**os.environ, **_AUTHOR})
    return done.stdout.strip()


def make_repo(root: Path, first: str = V1, then: str = V2) -> Path:
    """A repository with policy/deny.rego: `first` tagged v1, then `then` on main."""
    (root / "policy").mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "policy/deny.rego").write_text(first)
    (root / "README.md").write_text("policies\n")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "v1")
    git(root, "tag", "v1")
    (root / "policy/deny.rego").write_text(then)
    git(root, "commit", "--quiet", "-am", "v2")
    return root


def tarball(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return buffer.getvalue()
