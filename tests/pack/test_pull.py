"""`install` (kfix pull, --update): fetched sources copied into a local directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kfix.errors import SourceError
from kfix.pack.pull import install

sys.path.insert(0, str(Path(__file__).parent))
from http_standins import FileServer
from policy_repos import V1, V2, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_install_copies_each_source_into_the_directory(repo: Path, tmp_path: Path) -> None:
    with FileServer({"/lib.rego": b"package lib\n"}) as base:
        written = install([f"git::file://{repo}//policy?ref=v1", f"{base}/lib.rego"],
                          str(tmp_path / "policy"), cache=tmp_path / "cache")
    assert sorted(written) == [str(tmp_path / "policy/deny.rego"),
                               str(tmp_path / "policy/lib.rego")]
    assert (tmp_path / "policy/deny.rego").read_text() == V1
    assert (tmp_path / "policy/deny.rego").stat().st_mode & 0o777 == 0o644


def test_install_refuses_to_overwrite_unless_asked(repo: Path, tmp_path: Path) -> None:
    into, cache = tmp_path / "policy", tmp_path / "cache"
    install([f"git::file://{repo}//policy?ref=v1"], str(into), cache=cache)
    assert install([f"git::file://{repo}//policy?ref=v1"], str(into), cache=cache) == []
    with pytest.raises(SourceError, match=r"policy/deny\.rego: already exists with other "
                                          r"content; refusing to overwrite"):
        install([f"git::file://{repo}//policy"], str(into), cache=cache)
    assert (into / "deny.rego").read_text() == V1
    assert install([f"git::file://{repo}//policy"], str(into), overwrite=True,
                   cache=cache) == [str(into / "deny.rego")]
    assert (into / "deny.rego").read_text() == V2
    assert sorted(p.name for p in into.iterdir()) == ["deny.rego"]  # no temporary left


def test_install_needs_a_local_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for into in (str(tmp_path / "file"), "git::https://host/repo.git"):
        with pytest.raises(SourceError, match="policies are pulled into a local directory"):
            install(["whatever"], into)
