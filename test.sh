#!/usr/bin/env bash
# One command: set up everything, then run the whole test suite (Qt offscreen).
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
