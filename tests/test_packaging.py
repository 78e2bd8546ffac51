"""A non-editable install carries the built-in policies inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_policy_pack_and_an_installed_kfix_finds_it(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("kfix-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    policies = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "policies").rglob("*.rego"))
    assert policies
    for policy in policies:
        assert f"kfix/_bundled/{policy}" in names
    assert "kfix/py.typed" in names  # type checkers read kfix's hints

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
         str(target), str(wheel)],
        check=True,
    )
    found = subprocess.run(
        [sys.executable, "-c",
         "from kfix.pack.policies import bundled_policy_dir; print(bundled_policy_dir())"],
        env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(found) == target / "kfix" / "_bundled" / "policies"
    assert (Path(found) / "privileged-container" / "policy.rego").is_file()
