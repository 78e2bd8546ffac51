"""Unpacking fetched archives: what a policy repository holds comes out; what a hostile
archive tries is refused with a message naming the entry, before anything is written."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from kfix.errors import SourceError
from kfix.pack.archives import Limits, archive_format, check_tree, extract

DENY = b'package main\n\ndeny contains "x" if { input.kind == "Pod" }\n'


def make_tar(path: Path, entries: list[tarfile.TarInfo | tuple[str, bytes]],
             mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tar.addfile(info, io.BytesIO(entry[1]))
    return path


def special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_a_policy_tarball_is_unpacked(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "p.tar.gz", [
        special("policy", tarfile.DIRTYPE), ("policy/deny.rego", DENY),
        special("policy/same.rego", tarfile.SYMTYPE, "deny.rego"),
        special("policy/copy.rego", tarfile.LNKTYPE, "policy/deny.rego"),
    ])
    extract(archive, "tar.gz", tmp_path / "out")
    assert (tmp_path / "out/policy/deny.rego").read_bytes() == DENY
    assert os.readlink(tmp_path / "out/policy/same.rego") == "deny.rego"
    assert (tmp_path / "out/policy/copy.rego").read_bytes() == DENY
    check_tree(tmp_path / "out")


def test_a_zip_is_unpacked(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as packed:
        packed.writestr("policy/deny.rego", DENY)
    extract(tmp_path / "p.zip", "zip", tmp_path / "out")
    assert (tmp_path / "out/policy/deny.rego").read_bytes() == DENY


@pytest.mark.parametrize(("entry", "message"), [
    (("../evil.rego", DENY), "archive entry '../evil.rego' would be written outside"),
    (("a/../../evil.rego", DENY), "'a/../../evil.rego' would be written outside"),
    (("/tmp/evil.rego", DENY), "'/tmp/evil.rego' would be written outside"),
    (special("link", tarfile.SYMTYPE, "/etc/passwd"), "'link' links to '/etc/passwd', outside"),
    (special("a/link", tarfile.SYMTYPE, "../../x"), "'a/link' links to '../../x', outside"),
    (special("hard", tarfile.LNKTYPE, "../outside"), "'hard' links to '../outside', outside"),
    (special("tty", tarfile.CHRTYPE), "'tty' is a device file or FIFO; refused"),
    (special("disk", tarfile.BLKTYPE), "'disk' is a device file or FIFO; refused"),
    (special("pipe", tarfile.FIFOTYPE), "'pipe' is a device file or FIFO; refused"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_hostile_tar_entries_are_refused_before_anything_is_written(
        tmp_path: Path, entry: tarfile.TarInfo | tuple[str, bytes], message: str) -> None:
    archive = make_tar(tmp_path / "evil.tgz", [("first.rego", DENY), entry])
    (tmp_path / "out").mkdir()
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        extract(archive, "tar.gz", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "evil.rego").exists()


@pytest.mark.parametrize(("name", "message"), [
    ("../evil.rego", "'../evil.rego' would be written outside"),
    ("/abs/evil.rego", "'/abs/evil.rego' would be written outside"),
    ("..\\evil.rego", "would be written outside"),
])
def test_zip_entries_that_leave_the_directory_are_refused(tmp_path: Path, name: str,
                                                          message: str) -> None:
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as packed:
        packed.writestr(zipfile.ZipInfo(name), DENY)
    with pytest.raises(SourceError, match=message):
        extract(tmp_path / "evil.zip", "zip", tmp_path / "out")
    assert not (tmp_path / "evil.rego").exists()


def test_zip_symbolic_links_are_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as packed:
        packed.writestr(link, "/etc/passwd")
    with pytest.raises(SourceError, match="'link' is a symbolic link; refused"):
        extract(tmp_path / "evil.zip", "zip", tmp_path / "out")


def test_too_many_entries_are_refused(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "many.tgz", [(f"{i}.rego", DENY) for i in range(11)])
    with pytest.raises(SourceError, match="archive has 11 entries, more than 10; refused"):
        extract(archive, "tar.gz", tmp_path / "out", Limits(entries=10))


def test_a_bomb_is_refused_by_its_headers(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "bomb.tgz", [("zeros", bytes(2 << 20))])
    assert archive.stat().st_size < 10_000  # packs small, unpacks big
    with pytest.raises(SourceError, match=r"unpacks to 2097152 bytes, more than 1048576"):
        extract(archive, "tar.gz", tmp_path / "out", Limits(total_bytes=1 << 20))


def test_a_zip_whose_headers_lie_about_sizes_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "liar.zip", "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("zeros", bytes(2 << 20))
    data = bytearray((tmp_path / "liar.zip").read_bytes())
    real = (2 << 20).to_bytes(4, "little")
    # the uncompressed size in the central directory (what infolist reads) claims 1 byte
    at = data.rindex(real)
    data[at:at + 4] = (1).to_bytes(4, "little")
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    with pytest.raises(SourceError):
        extract(tmp_path / "liar.zip", "zip", tmp_path / "out", Limits(total_bytes=1 << 20))
    out = tmp_path / "out" / "zeros"
    assert not out.exists() or out.stat().st_size <= 1 << 20


def test_something_that_is_not_an_archive_says_so(tmp_path: Path) -> None:
    (tmp_path / "p.tgz").write_bytes(b"<html>not found</html>")
    with pytest.raises(SourceError, match=r"not a readable tar\.gz archive"):
        extract(tmp_path / "p.tgz", "tar.gz", tmp_path / "out")


def test_a_fetched_tree_with_a_link_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree/deny.rego").write_bytes(DENY)
    os.symlink("/etc", tmp_path / "tree/etc")
    with pytest.raises(SourceError, match="'etc' links to '/etc', outside the directory"):
        check_tree(tmp_path / "tree")


@pytest.mark.parametrize(("name", "form"), [
    ("p.tar.gz", "tar.gz"), ("P.TGZ", "tar.gz"), ("p.zip", "zip"), ("p.tar", "tar"),
    ("p.tar.xz", "tar.xz"), ("p.tbz2", "tar.bz2"), ("deny.rego", None), ("p.gz", None),
])
def test_archives_are_known_by_their_ending(name: str, form: str | None) -> None:
    assert archive_format(name) == form
