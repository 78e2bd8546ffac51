"""Opt-in, outside CI: `kfix fix --llm` and `kfix draft` against a real local model.

Eight classic violations (benchmarks/llm/cases), one per policy, checked against copies
of those pack policies with their fragments taken away, so every fix must come from the
model. Prints, per case and overall: valid JSON, verified fixes (and how many needed the
repair step), suggestions (values left to people), latency; then asserts that every
written change re-scans clean of what it claimed to fix and brings nothing new.

    bash benchmarks/llm/setup_model.sh          # once; exit 3 = model parts gone: skip
    python benchmarks/llm/benchmark.py          # starts the server from the cache
    python benchmarks/llm/benchmark.py --url http://127.0.0.1:8765/v1   # or uses yours
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from kfix.evaluate.rules import detect
from kfix.llm.client import LlmConfig
from kfix.load.manifests import parse
from kfix.model import FIXED, NO_FIX
from kfix.runner.fix import FixOptions, fix
from kfix.runner.scan import ScanOptions, evaluator, policy_set

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
CACHE = Path(os.environ.get("KFIX_LLM_CACHE", Path.home() / ".cache" / "kfix-llm"))
MODEL = CACHE / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
POLICIES = {
    "privileged": "privileged-container",
    "run-as-non-root": "run-as-non-root",
    "image-tag-latest": "image-tag-latest",
    "resource-limits": "resource-limits",
    "host-path-volume": "host-path-volume",
    "read-only-root-filesystem": "read-only-root-filesystem",
    "allow-privilege-escalation": "allow-privilege-escalation",
    "capabilities-drop-all": "capabilities-drop-all",
}


def start_server(port: int) -> subprocess.Popen[bytes] | None:
    python = CACHE / "venv" / "bin" / "python"
    if not python.exists() or not MODEL.exists():
        print(f"skipped: no model in {CACHE}; run benchmarks/llm/setup_model.sh")
        return None
    server = subprocess.Popen(
        [str(python), "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "8192"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the model server did not come up in 120 s")


def fragmentless_policies(root: Path) -> Path:
    shutil.copytree(REPO / "policies" / "lib", root / "lib")
    for policy in POLICIES.values():
        (root / policy).mkdir(parents=True)
        shutil.copy(REPO / "policies" / policy / "policy.rego", root / policy / "policy.rego")
    return root


def run_fix(url: str, policies: Path, work: Path, cache: Path) -> int:
    scan = ScanOptions(policy_paths=(str(policies),), all_namespaces=True)
    model = LlmConfig(base_url=url, model="qwen2.5-coder-1.5b", api_key_env=None,
                        timeout=300, retries=1, cache_dir=str(cache))
    totals = {"cases": 0, "json": 0, "applies": 0, "verified": 0, "raw": 0, "suggested": 0,
              "seconds": 0.0}
    unverified = 0
    print(f"{'case':28} {'json':5} {'applies':7} {'verified':8} {'repaired':8} {'s':>5}  note")
    for case in sorted(CASES.glob("*.yaml")):
        target = POLICIES[case.stem]
        copy = work / case.name
        shutil.copy(case, copy)
        started = time.perf_counter()
        result = fix([str(copy)], FixOptions(scan=scan, llm=model))
        seconds = time.perf_counter() - started
        own = [o for o in result.resolutions if o.finding.policy_id == target]
        valid = bool(own) and all("model error" not in o.reason for o in own)
        applies = valid and not any(word in o.reason for o in own for word in
                                    ("does not apply", "cannot be repaired", "template error"))
        suggested = bool(own) and all(o.status == NO_FIX and "verified suggestion" in o.reason
                                      for o in own)
        verified = (bool(own) and all(o.status == FIXED for o in own)) or suggested
        repaired = any("repaired" in o.reason for o in own)
        totals["cases"] += 1
        totals["json"] += valid
        totals["applies"] += applies
        totals["verified"] += verified
        totals["raw"] += verified and not repaired
        totals["suggested"] += suggested
        totals["seconds"] += seconds
        note = "suggestion (not written)" if suggested else "; ".join(
            sorted({o.reason[:60] for o in own if o.status != FIXED}))
        print(f"{case.stem:28} {valid!s:5} {applies!s:7} {verified!s:8} {repaired!s:8} "
              f"{seconds:5.1f}  {note}")
        unverified += check_changes(result, scan)
    n = totals["cases"]
    print(f"\nvalid JSON {totals['json']}/{n}; applies {totals['applies']}/{n}; "
          f"verified {totals['verified']}/{n} ({totals['suggested']} of them verified "
          f"suggestions for a human decision, never written); verified without the repair "
          f"step {totals['raw']}/{n}; {totals['seconds'] / n:.1f} s per case (one request "
          f"per finding); unverified writes: {unverified}")
    return unverified


def check_changes(result: object, scan: ScanOptions) -> int:
    """Each changed text, parsed back, must be free of what was fixed and of anything new."""
    bad = 0
    policies = policy_set(scan)
    with evaluator(policies, scan) as (engine, plan):
        for change in result.changes:  # type: ignore[attr-defined]
            after = parse(change.path, change.after)
            before = parse(change.path, change.before)
            found_after, _ = detect(engine, plan, after.documents)
            found_before, _ = detect(engine, plan, before.documents)
            old = {(f.policy_id, f.message) for fs in found_before for f in fs}
            fixed = {(o.finding.policy_id, o.finding.message)
                     for o in result.resolutions if o.status == FIXED}  # type: ignore[attr-defined]
            now = {(f.policy_id, f.message) for fs in found_after for f in fs}
            if now & fixed or now - old:
                bad += 1
                print(f"UNVERIFIED WRITE in {change.path}: {sorted(now & fixed or now - old)}")
    return bad


def run_draft(url: str, policies: Path, fixtures: Path) -> None:
    kfix = Path(sys.executable).parent / "kfix"
    accepted = 0
    for policy in POLICIES.values():
        started = time.perf_counter()
        done = subprocess.run(
            [str(kfix), "draft", policy, "-p", str(policies), "--fixtures", str(fixtures),
             "--llm-url", url, "--llm-key-env", "", "--llm-timeout", "300"],
            capture_output=True, text=True)
        accepted += done.returncode == 0
        last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1]
        print(f"draft {policy:28} exit {done.returncode} {time.perf_counter() - started:6.1f}s"
              f"  {last[:90]}")
        drafted = policies / policy / "fix.yaml.j2"
        if done.returncode == 0 and drafted.exists():
            print("    " + drafted.read_text("utf-8").replace("\n", "\n    ").rstrip())
    print(f"\ndrafts accepted (verified on every fixture): {accepted}/{len(POLICIES)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running chat-completions server; default: start one")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-draft", action="store_true", help="only kfix fix --llm")
    args = parser.parse_args()
    server = None
    url = args.url
    if url is None:
        server = start_server(args.port)
        if server is None:
            return 0
        url = f"http://127.0.0.1:{args.port}/v1"
    try:
        with tempfile.TemporaryDirectory() as temp:
            root = Path(temp)
            policies = fragmentless_policies(root / "policies")
            (root / "work").mkdir()
            unverified = run_fix(url, policies, root / "work", root / "cache")
            if not args.no_draft:
                shutil.copytree(REPO / "fixtures", root / "fixtures",
                                ignore=shutil.ignore_patterns("gatekeeper"))
                run_draft(url, policies, root / "fixtures")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    return 1 if unverified else 0


if __name__ == "__main__":
    sys.exit(main())
