"""One scan with a bit of everything, so every format test reads the same story.

deploy.yaml under `main`: 3 successes, a warning (line 9), two failures (line 12 and
one without a line, with policy metadata); under `security`: 1 success, an exception.
svc.yaml under `main`: 4 successes. broken.yaml could not be parsed (line 3). One print().
"""

from __future__ import annotations

import pytest

from kfix.model import (
    EXCEPTION,
    FAILURE,
    WARNING,
    CheckResult,
    Finding,
    PolicyInfo,
    Print,
    Problem,
    Resource,
    ScanResult,
)

WEB = Resource(api_version="apps/v1", kind="Deployment", namespace="shop", name="web")

PRIVILEGED = Finding(
    outcome=FAILURE,
    policy_id="K8S001",
    rule="deny",
    namespace="main",
    message='Deployment/web: container "app" is privileged',
    file="deploy.yaml",
    document=0,
    line=12,
    resource=WEB,
    pointer="/spec/template/spec/containers/0/securityContext/privileged",
    severity="high",
)
NO_LIMIT = Finding(
    outcome=FAILURE,
    policy_id="",
    rule="deny_limits",
    namespace="main",
    message='Deployment/web: container "app" has no memory limit',
    file="deploy.yaml",
    document=0,
    line=0,
    resource=WEB,
    metadata={"details": {"limit": "memory", "hint": "set <resources.limits> & requests"}},
)
LATEST = Finding(
    outcome=WARNING,
    policy_id="K8S002",
    rule="warn",
    namespace="main",
    message="Deployment/web: image uses the latest tag",
    file="deploy.yaml",
    document=0,
    line=9,
    resource=WEB,
    pointer="/spec/template/spec/containers/0/image",
    severity="medium",
)
RUN_AS_ROOT = Finding(
    outcome=EXCEPTION,
    policy_id="",
    rule="deny_run_as_root",
    namespace="security",
    message='data.security.exception[_][_] == "run_as_root"',
    file="deploy.yaml",
    document=0,
    line=0,
    resource=WEB,
)

POLICIES = {
    "K8S002": PolicyInfo(
        id="K8S002",
        namespace="main",
        file="policy/latest.rego",
        title="Image tag latest",
        severity="medium",
    ),
    "K8S001": PolicyInfo(
        id="K8S001",
        namespace="main",
        file="policy/privileged.rego",
        title="Privileged container",
        description="Containers must not run privileged.",
        severity="high",
        custom={"remediation": "set privileged: false"},
    ),
}


@pytest.fixture
def scan() -> ScanResult:
    return ScanResult(
        results=(
            CheckResult(
                file="deploy.yaml",
                namespace="main",
                successes=3,
                failures=(PRIVILEGED, NO_LIMIT),
                warnings=(LATEST,),
                traces=("Enter data.main.deny = _", "| Exit data.main.deny = _"),
            ),
            CheckResult(
                file="deploy.yaml", namespace="security", successes=1, exceptions=(RUN_AS_ROOT,)
            ),
            CheckResult(file="svc.yaml", namespace="main", successes=4),
        ),
        problems=(
            Problem(file="broken.yaml", line=3, message="mapping values are not allowed here"),
        ),
        prints=(Print(file="deploy.yaml", location="policy/main.rego:7", message="checking web"),),
        policies=POLICIES,
        files=3,
        documents=3,
    )


@pytest.fixture
def clean() -> ScanResult:
    """One file, one passing test: what a green CI run looks like."""
    return ScanResult(results=(CheckResult(file="svc.yaml", namespace="main", successes=1),))
