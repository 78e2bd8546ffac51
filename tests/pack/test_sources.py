"""Policy sources in go-getter's syntax: a real git repository made here, tarballs served
over loopback HTTP with good and bad checksums, and the cache."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

import pytest

from kfix.errors import SourceError
from kfix.pack import sources
from kfix.pack.sources import Source, parse, resolve

sys.path.insert(0, str(Path(__file__).parent))
from http_standins import FileServer
from policy_repos import V1, V2, git, make_repo, tarball


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")

# -- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("git::https://host/repo.git//sub/dir?ref=v1.2",
     Source("git::https://host/repo.git//sub/dir?ref=v1.2", "git", "https://host/repo.git",
            "sub/dir", ref="v1.2")),
    ("git::https://host/repo.git?ref=main&depth=1",
     Source("git::https://host/repo.git?ref=main&depth=1", "git", "https://host/repo.git",
            ref="main", depth=1)),
    ("git::file:///srv/repo//policy",
     Source("git::file:///srv/repo//policy", "git", "file:///srv/repo", "policy")),
    ("git::git@github.com:org/repo.git//p",
     Source("git::git@github.com:org/repo.git//p", "git", "git@github.com:org/repo.git", "p")),
    ("https://host/p.tar.gz//policy?checksum=sha256:" + "a" * 64 + "&token=x",
     Source("https://host/p.tar.gz//policy?checksum=sha256:" + "a" * 64 + "&token=x", "http",
            "https://host/p.tar.gz?token=x", "policy", checksum=("sha256", "a" * 64),
            archive="tar.gz")),
    ("https://host/download?archive=zip",
     Source("https://host/download?archive=zip", "http", "https://host/download",
            archive="zip")),
    ("http://host/deny.rego?checksum=" + "b" * 40,
     Source("http://host/deny.rego?checksum=" + "b" * 40, "http", "http://host/deny.rego",
            checksum=("sha1", "b" * 40))),
    ("oci://ghcr.io/org/p:v1", Source("oci://ghcr.io/org/p:v1", "oci", "ghcr.io/org/p:v1")),
    ("opa.azurecr.io/test", Source("opa.azurecr.io/test", "oci", "opa.azurecr.io/test")),
    ("no/such/dir", Source("no/such/dir", "local", "no/such/dir")),
])
def test_sources_parse_as_go_getter_reads_them(text: str, expected: Source) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("hg::https://host/repo", "unsupported getter 'hg::'"),
    ("s3://bucket/p.tgz", "unsupported URL scheme 's3'"),
    ("https://host/p.tgz?checksum=sha256:abc", "checksum=sha256:abc is not TYPE:HEX"),
    ("https://host/p.tgz?checksum=crc32:abcd", "checksum=crc32:abcd is not TYPE:HEX"),
    ("https://host/p?archive=rar", "archive=rar is not one of"),
    ("git::https://host/r.git?depth=x", "depth=x is not a number"),
    ("git::ssh://git@host/r.git?sshkey=abc", "sshkey= is not supported"),
])
def test_malformed_sources_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse(text)


def test_a_token_in_a_url_is_never_shown() -> None:
    with pytest.raises(SourceError) as raised:
        parse("git::https://ghp_secret@host/r.git?depth=x")
    assert "ghp_secret" not in str(raised.value)
    assert "git::https://***@host/r.git" in str(raised.value)


def test_a_local_directory_is_used_where_it_is(tmp_path: Path) -> None:
    assert resolve([str(tmp_path)], tmp_path / "cache") == (str(tmp_path),)
    assert not (tmp_path / "cache").exists()


# -- git ------------------------------------------------------------------------------------


def test_a_git_source_is_cloned_at_its_ref_and_subdir(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (at_tag,) = resolve([f"git::file://{repo}//policy?ref=v1"], cache)
    assert Path(at_tag, "deny.rego").read_text() == V1
    (head,) = resolve([f"git::file://{repo}"], cache)
    assert Path(head, "policy/deny.rego").read_text() == V2
    assert not Path(head, ".git").exists()  # policies only, not the repository
    (shallow,) = resolve([f"git::file://{repo}//policy?ref=v1&depth=1"], cache)
    assert Path(shallow, "deny.rego").read_text() == V1


def test_an_unpinned_git_source_is_fetched_again(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    source = f"git::file://{repo}//policy"
    assert Path(resolve([source], cache)[0], "deny.rego").read_text() == V2
    (repo / "policy/deny.rego").write_text(V1 + "# v3\n")
    git(repo, "commit", "--quiet", "-am", "v3")
    assert Path(resolve([source], cache)[0], "deny.rego").read_text() == V1 + "# v3\n"
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []


def test_a_git_source_pinned_to_a_commit_is_reused_from_the_cache(repo: Path,
                                                                  tmp_path: Path) -> None:
    commit = git(repo, "rev-parse", "v1")
    source = parse(f"git::file://{repo}//policy?ref={commit}")
    assert source.pinned
    first = sources.fetch(source, tmp_path / "cache")
    (first / "policy/deny.rego").write_text("changed in the cache")
    assert sources.fetch(source, tmp_path / "cache") == first
    assert (first / "policy/deny.rego").read_text() == "changed in the cache"


def test_a_git_failure_names_the_source_and_what_git_said(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"git::file://.*\?ref=nope: git checkout failed: "
                                          r"fatal: invalid reference: nope"):
        resolve([f"git::file://{repo}?ref=nope"], tmp_path / "cache")
    with pytest.raises(SourceError, match=r"git clone failed: fatal: '.*missing' does not"):
        resolve([f"git::file://{tmp_path}/missing"], tmp_path / "cache")
    with pytest.raises(SourceError, match="no 'absent' in what was fetched"):
        resolve([f"git::file://{repo}//absent"], tmp_path / "cache")


def test_a_git_subdir_may_not_leave_the_checkout(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="would be written outside"):
        resolve([f"git::file://{repo}//../../etc"], tmp_path / "cache")


def test_a_repository_with_a_link_out_is_refused(repo: Path, tmp_path: Path) -> None:
    os.symlink("/etc/passwd", repo / "policy/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "link")
    with pytest.raises(SourceError, match="'policy/passwd' links to '/etc/passwd', outside"):
        resolve([f"git::file://{repo}"], tmp_path / "cache")


# -- HTTP -----------------------------------------------------------------------------------


def test_a_tarball_is_downloaded_checked_and_unpacked(tmp_path: Path) -> None:
    data = tarball({"policy/deny.rego": V1})
    digest = hashlib.sha256(data).hexdigest()
    server = FileServer({"/p.tar.gz": data})
    with server as base:
        source = f"{base}/p.tar.gz//policy?checksum=sha256:{digest}"
        (found,) = resolve([source], tmp_path / "cache")
        assert Path(found, "deny.rego").read_text() == V1
        assert resolve([source], tmp_path / "cache") == (found,)  # pinned: from the cache
    assert server.requests == ["/p.tar.gz"]


def test_a_checksum_mismatch_is_an_error_and_nothing_is_used(tmp_path: Path) -> None:
    data = tarball({"deny.rego": V1})
    wrong = hashlib.sha256(b"other").hexdigest()
    cache = tmp_path / "cache"
    with FileServer({"/p.tgz": data}) as base, pytest.raises(SourceError) as raised:
        resolve([f"{base}/p.tgz?checksum=sha256:{wrong}"], cache)
    assert str(raised.value).endswith(
        f"checksum mismatch: expected sha256:{wrong}, got "
        f"sha256:{hashlib.sha256(data).hexdigest()}; nothing was used")
    assert list(cache.iterdir()) == []


def test_other_checksum_types_are_checked(tmp_path: Path) -> None:
    data = tarball({"deny.rego": V1})
    with FileServer({"/p.tgz": data}) as base:
        for kind in ("md5", "sha1", "sha512"):
            good = hashlib.new(kind, data).hexdigest()
            (found,) = resolve([f"{base}/p.tgz?checksum={kind}:{good}"], tmp_path / "cache")
            assert Path(found, "deny.rego").read_text() == V1
            with pytest.raises(SourceError, match=f"expected {kind}:"):
                resolve([f"{base}/p.tgz?checksum={kind}:{'0' * len(good)}"],
                        tmp_path / "cache")


def test_a_plain_file_url_is_kept_as_a_file(tmp_path: Path) -> None:
    with FileServer({"/policies/deny.rego": V1.encode()}) as base:
        (found,) = resolve([f"{base}/policies/deny.rego"], tmp_path / "cache")
    assert Path(found, "deny.rego").read_text() == V1


def test_a_missing_file_url_says_so(tmp_path: Path) -> None:
    for name in ("deny.rego", "p.tgz"):
        with pytest.raises(SourceError, match=f"file://{tmp_path}/{name}: no such file"):
            resolve([f"file://{tmp_path}/{name}"], tmp_path / "cache")


def test_an_http_error_names_the_status(tmp_path: Path) -> None:
    with FileServer({}) as base, pytest.raises(SourceError, match=r"p\.tgz: HTTP 404 Not Found"):
        resolve([f"{base}/p.tgz"], tmp_path / "cache")


def test_a_download_over_the_limit_is_refused(tmp_path: Path) -> None:
    from kfix.pack.archives import Limits

    with FileServer({"/big.rego": bytes(5000)}) as base, \
            pytest.raises(SourceError, match="download is larger than 4096 bytes; refused"):
        resolve([f"{base}/big.rego"], tmp_path / "cache", Limits(download_bytes=4096))


def test_a_hostile_tarball_from_a_server_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../../escape.rego")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with FileServer({"/p.tgz": buffer.getvalue()}) as base, \
            pytest.raises(SourceError, match=r"'\.\./\.\./escape\.rego' would be written outside"):
        resolve([f"{base}/p.tgz"], tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
    assert not (tmp_path / "escape.rego").exists()


def test_a_local_tarball_with_a_checksum(tmp_path: Path) -> None:
    archive = tmp_path / "p.tgz"
    archive.write_bytes(tarball({"deny.rego": V2}))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (found,) = resolve([f"{archive}?checksum=sha256:{digest}"], tmp_path / "cache")
    assert Path(found, "deny.rego").read_text() == V2
    (plain,) = resolve([str(archive)], tmp_path / "cache")
    assert Path(plain, "deny.rego").read_text() == V2
    with pytest.raises(SourceError, match="checksum mismatch"):
        resolve([f"{archive}?checksum=sha256:{'0' * 64}"], tmp_path / "cache")
