"""`kfix policy new ID`: a real, minimal policy with everything the repo expects of one.

The policy requires the recommended `app.kubernetes.io/name` label on every object, so
its fixtures are ConfigMaps that no workload policy looks at: they pass the rest of the
pack from the first run, and the author edits from something that works.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from kfix.errors import UsageError

_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

POLICY = """\
# METADATA
# title: Objects carry the app.kubernetes.io/name label
# description: The recommended label names the application an object belongs to.
# scope: package
# custom:
#   id: {id}
#   severity: low
#   profile: best-practice
#   fix: Set the app.kubernetes.io/name label to the object's name.
package kfix.policies.{package}

deny contains result if {{
\tis_string(input.kind)
\tnot _named
\tresult := {{
\t\t"msg": sprintf("%s/%s has no app.kubernetes.io/name label", [input.kind, _name]),
\t\t"pointer": "/metadata/labels/app.kubernetes.io~1name",
\t}}
}}

_named if {{
\tlabel := input.metadata.labels["app.kubernetes.io/name"]
\tis_string(label)
\tlabel != ""
}}

default _name := "<unnamed>"

_name := input.metadata.name if is_string(input.metadata.name)
"""

FRAGMENT = """\
{{# {id}: the finding points at /metadata/labels/app.kubernetes.io~1name #}}
{{%- if not get(finding.pointer) %}}
- {{{{ set(finding.pointer, get('/metadata/name', 'app')) }}}}
{{%- endif %}}
"""

TESTS = """\
package kfix.policies.{package}_test

import data.kfix.policies.{package}

test_an_unlabelled_object_is_denied if {{
\tcount({package}.deny) == 1 with input as {{"kind": "ConfigMap", "metadata": {{"name": "x"}}}}
}}

test_a_labelled_object_passes if {{
\tcount({package}.deny) == 0 with input as {{
\t\t"kind": "ConfigMap",
\t\t"metadata": {{"name": "x", "labels": {{"app.kubernetes.io/name": "x"}}}},
\t}}
}}

test_the_message_names_the_object if {{
	some result in {package}.deny with input as {{"kind": "ConfigMap", "metadata": {{"name": "x"}}}}
	result.msg == "ConfigMap/x has no app.kubernetes.io/name label"
}}

test_an_unnamed_object_is_named_so if {{
	some result in {package}.deny with input as {{"kind": "ConfigMap"}}
	result.msg == "ConfigMap/<unnamed> has no app.kubernetes.io/name label"
}}

test_documents_without_kind_are_ignored if {{
\tcount({package}.deny) == 0 with input as {{"metadata": {{}}}}
}}
"""

UNLABELLED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: production
"""

LABELLED = UNLABELLED.replace(
    "  namespace: shop\n", "  namespace: shop\n  labels:\n    app.kubernetes.io/name: settings\n"
)


def new_policy(policy_id: str, root: str = ".") -> list[Path]:
    """Write the policy, its fragment, unit tests and fixtures under `root`; return them."""
    if not _ID.match(policy_id):
        raise UsageError(f"{policy_id!r} is not a policy id: use lower-case words joined by -")
    base = Path(root)
    package = policy_id.replace("-", "_")
    files = {
        base / "policies" / policy_id / "policy.rego": POLICY.format(id=policy_id,
                                                                     package=package),
        base / "policies" / policy_id / "fix.yaml.j2": FRAGMENT.format(id=policy_id),
        base / "rego_tests" / f"{package}_test.rego": TESTS.format(package=package),
        base / "fixtures" / policy_id / "positive" / "unlabelled.yaml": UNLABELLED,
        base / "fixtures" / policy_id / "negative" / "labelled.yaml": LABELLED,
        base / "fixtures" / policy_id / "fix" / "configmap.before.yaml": UNLABELLED,
        base / "fixtures" / policy_id / "fix" / "configmap.after.yaml": LABELLED,
    }
    existing = [str(path) for path in files if path.exists()]
    if existing:
        raise UsageError(f"would overwrite {', '.join(existing)}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def next_steps(policy_id: str, root: str = ".") -> list[tuple[str, str]]:
    """What to do with a new policy, as (what, where): the file to edit, then commands
    that run as they are from the working directory `root` was given from."""
    base = Path(root)
    policies, tests = str(base / "policies"), str(base / "rego_tests")
    positive = str(base / "fixtures" / policy_id / "positive")
    return [
        ("edit", shlex.quote(str(base / "policies" / policy_id / "policy.rego"))),
        ("test it", shlex.join(["kfix", "test", policies, tests, "--coverage"])),
        ("scan with it", shlex.join(["kfix", "scan", "-p", policies, positive])),
    ]
