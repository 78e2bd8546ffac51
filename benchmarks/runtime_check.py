"""Would the kubelet and the API server still take the pods after `kfix fix --write`?

Counts, over every pod template of a copy of the corpus, before and after the fix:
- containers with runAsNonRoot true and no non-zero runAsUser in effect (container, else
  pod): they start only if the image's own USER is a numeric non-root user;
- containers the kubelet refuses outright: runAsNonRoot true with runAsUser 0;
- pod specs the API server's validation refuses: allowPrivilegeEscalation false with
  privileged or CAP_SYS_ADMIN; hostPort other than containerPort under hostNetwork;
  Localhost seccomp/AppArmor without a profile; a request above its limit; a container
  name or hostPort used twice.
The checks are written here again from the Kubernetes rules, on PyYAML's reading of the
files: independent of kfix's own verifier (kfix.patch.invariants). Not a test: it prints
numbers. Usage: python benchmarks/runtime_check.py [CORPUS] [--max-risk low|medium|high]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SPECS = {"Pod": ["spec"], "PodTemplate": ["template", "spec"], "CronJob":
         ["spec", "jobTemplate", "spec", "template", "spec"]}
for _kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
              "Job"):
    SPECS[_kind] = ["spec", "template", "spec"]
UNITS = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
         "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def amount(value: Any) -> Decimal | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([a-zA-Z]*)", str(value).strip())
    if not match or match.group(2) not in UNITS:
        return None
    return Decimal(match.group(1)) * Decimal(UNITS[match.group(2)])


def pod_specs(root: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8-sig")))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        for document in documents:
            if isinstance(document, dict) and document.get("kind") in SPECS:
                spec: Any = document
                for key in SPECS[document["kind"]]:
                    spec = spec.get(key) if isinstance(spec, dict) else None
                if isinstance(spec, dict):
                    found.append(spec)
    return found


CHECKS = ("runAsNonRoot and no non-zero runAsUser", "runAsNonRoot with runAsUser 0",
          "no escalation with privilege", "hostPort differs under hostNetwork",
          "Localhost profile without a name", "request above limit",
          "duplicate container name", "duplicate hostPort")


def count(specs: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter({name: 0 for name in CHECKS})
    for spec in specs:
        pod = spec.get("securityContext") or {}
        containers = [c for key in ("containers", "initContainers", "ephemeralContainers")
                      for c in (spec.get(key) or []) if isinstance(c, dict)]
        names: Counter[str] = Counter(str(c.get("name")) for c in containers)
        counts["duplicate container name"] += sum(n - 1 for n in names.values() if n > 1)
        host_ports: Counter[tuple[Any, Any]] = Counter()
        for c in containers:
            own = c.get("securityContext") or {}
            non_root = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
            user = own.get("runAsUser", pod.get("runAsUser"))
            if non_root is True and user == 0 and user is not False:
                counts["runAsNonRoot with runAsUser 0"] += 1
            elif non_root is True and not (isinstance(user, int) and user > 0):
                counts["runAsNonRoot and no non-zero runAsUser"] += 1
            if own.get("allowPrivilegeEscalation") is False and (
                    own.get("privileged") is True
                    or {"SYS_ADMIN", "CAP_SYS_ADMIN"} & set((own.get("capabilities") or {})
                                                            .get("add") or [])):
                counts["no escalation with privilege"] += 1
            for port in c.get("ports") or []:
                if not isinstance(port, dict):
                    continue
                host = port.get("hostPort")
                if spec.get("hostNetwork") is True and host not in (None, 0) and (
                        host != port.get("containerPort")):
                    counts["hostPort differs under hostNetwork"] += 1
                if host not in (None, 0):
                    host_ports[(host, port.get("protocol", "TCP"))] += 1
            resources = c.get("resources") or {}
            for name, request in (resources.get("requests") or {}).items():
                limit = (resources.get("limits") or {}).get(name)
                low, high = amount(request), amount(limit) if limit is not None else None
                if low is not None and high is not None and low > high:
                    counts["request above limit"] += 1
            for context in (own, pod):
                for field in ("seccompProfile", "appArmorProfile"):
                    profile = context.get(field) or {}
                    if profile.get("type") == "Localhost" and not profile.get(
                            "localhostProfile"):
                        counts["Localhost profile without a name"] += 1
        counts["duplicate hostPort"] += sum(n - 1 for n in host_ports.values() if n > 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--max-risk", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kfix-runtime-") as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(args.corpus, copy)
        before = count(pod_specs(copy))
        command = [sys.executable, "-m", "kfix", "fix", "--write", "-o", "json", str(copy)]
        if args.max_risk:
            command[4:4] = ["--max-risk", args.max_risk]
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        specs = pod_specs(copy)
        after = count(specs)
    risk = f"--max-risk {args.max_risk}" if args.max_risk else "(default --max-risk)"
    print(f"{len(specs)} pod specs; kfix fix --write {risk}")
    print("| check | before | after | brought in by the fix |")
    print("| --- | --- | --- | --- |")
    assert set(before) | set(after) == set(CHECKS), "a check counted under no name"
    for name in CHECKS:  # every check, the ones that found nothing too
        print(f"| {name} | {before[name]} | {after[name]} | {max(after[name] - before[name], 0)} |")


if __name__ == "__main__":
    main()
