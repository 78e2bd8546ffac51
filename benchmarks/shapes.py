"""The two corpus shapes the benchmarks measure, made from ../shared/corpus.

- `corpus`: the shared corpus as it is (1,216 files, many of them large multi-document
  CRD bundles: parse-heavy).
- `per-document`: the same documents, one per file, as most GitOps repositories are
  laid out. Generated, deterministic and not committed: each document's own text (its
  comments and formatting kept) is cut from its file at the document boundaries and
  written to `<path>.<n>.<ext>`; a file that does not parse is copied as it is, because
  real repositories have those too.
- `one-file`: 100,000 tiny documents (ConfigMaps, Services and ServiceAccounts, a few
  lines each) in one file, as `kubectl get -o yaml` dumps or generated bundles are.

Usage: python benchmarks/shapes.py [CORPUS] [--out DIR]   (prints the generated folder)
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

from kfix.load import manifests
from kfix.writer.text import document_spans

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_OUT = Path(__file__).resolve().parent / ".shapes"


def per_document(corpus: Path, out: Path = DEFAULT_OUT) -> Path:
    """The one-document-per-file copy of `corpus`, made once per corpus listing."""
    files = manifests.discover([str(corpus)])
    if not files:
        raise SystemExit(f"no manifests under {corpus}")
    listing = "\n".join(f"{f}:{Path(f).stat().st_size}" for f in files)
    target = out / f"per-document-{hashlib.sha256(listing.encode()).hexdigest()[:12]}"
    if target.is_dir():
        return target
    scratch = target.with_suffix(".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    for path in files:
        relative = Path(path).relative_to(corpus)
        text = Path(path).read_text(encoding="utf-8-sig", errors="surrogateescape")
        loaded = manifests.parse(path, text)
        pieces = ([text] if loaded.problems or path.endswith(".json")
                  else [text[start:end] for start, end in document_spans(text)])
        for number, piece in enumerate(p for p in pieces if p.strip()):
            name = relative.with_name(f"{relative.stem}.{number}{relative.suffix}")
            destination = scratch / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(piece if piece.endswith("\n") else piece + "\n",
                                   encoding="utf-8", errors="surrogateescape")
    scratch.rename(target)
    return target


ONE_FILE_DOCUMENTS = 100_000
_TINY = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{n}\n  namespace: team-{t}\n"
    "data:\n  mode: fast\n  replicas: \"{n}\"\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{n}\n  namespace: team-{t}\nspec:\n"
    "  selector:\n    app: web-{n}\n  ports:\n  - port: 80\n    targetPort: 8080\n",
    "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner-{n}\n  namespace: team-{t}\n",
)


def one_file(out: Path = DEFAULT_OUT, count: int = ONE_FILE_DOCUMENTS) -> Path:
    """A folder holding one file of `count` tiny documents, made once."""
    target = out / f"one-file-{count}"
    if not target.is_dir():
        scratch = target.with_suffix(".partial")
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        text = "---\n".join(_TINY[n % len(_TINY)].format(n=n, t=n % 50) for n in range(count))
        (scratch / "bundle.yaml").write_text(text, encoding="utf-8")
        scratch.rename(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    print(per_document(Path(args.corpus), Path(args.out)))


if __name__ == "__main__":
    main()
