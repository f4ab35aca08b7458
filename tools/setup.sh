#!/usr/bin/env bash
# Sets up everything Mulse Author needs on a fresh Debian machine, idempotently:
# system libraries for Qt Multimedia, a virtual environment in .venv, and the Python packages.
# torch is installed first and pinned (2.13.0 CPU here) so nothing pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${MULSE_VENV:-.venv}
PY=${PYTHON:-python3}
TORCH_SPEC=${MULSE_TORCH_SPEC:-torch==2.13.0}

DEBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libpulse0 libatomic1 libdbus-1-3
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0
      libxcb-image0 libxcb-xinerama0 libglib2.0-0"
missing=""
if command -v dpkg-query >/dev/null; then
  for p in $DEBS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"; done
fi
if [ -n "$missing" ]; then
  echo "[setup] installing system libraries:$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.mulse-setup-stamp"
want=$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing Python packages (first run takes a few minutes)"
  # (filter pip's noise about index mirrors that some machines list but do not have)
  pipq() { "$VENV/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }; }
  pipq "$TORCH_SPEC"
  pipq -e ".[dev]"
  echo "$want" > "$stamp"
fi
echo "[setup] ready: $VENV"
