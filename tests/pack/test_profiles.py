"""--profile and --severity choose policies by their METADATA, in scan and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfix.runner.scan import ScanOptions, scan

EXAMPLES = str(Path(__file__).resolve().parents[2] / "examples")


def policy_ids(**options: str) -> set[str]:
    result = scan([EXAMPLES], ScanOptions(**options))  # type: ignore[arg-type]
    return {f.policy_id for r in result.results for f in r.failures}


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [
        ("baseline", {"baseline"}),
        ("restricted", {"baseline", "restricted"}),
        ("best-practice", {"best-practice"}),
    ],
)
def test_a_profile_keeps_only_its_policies(profile: str, allowed: set[str]) -> None:
    everything = scan([EXAMPLES], ScanOptions())
    chosen = policy_ids(profile=profile)
    assert chosen
    for policy_id in chosen:
        assert everything.policies[policy_id].custom["profile"] in allowed
    expected = {
        f.policy_id for r in everything.results for f in r.failures
        if everything.policies[f.policy_id].custom["profile"] in allowed
    }
    assert chosen == expected


def test_all_is_every_policy() -> None:
    assert policy_ids(profile="all") == policy_ids()


def test_severity_is_a_minimum() -> None:
    everything = scan([EXAMPLES], ScanOptions())
    high = policy_ids(min_severity="high")
    assert high
    assert all(everything.policies[p].severity in ("high", "critical") for p in high)
    assert high < policy_ids(min_severity="low")
