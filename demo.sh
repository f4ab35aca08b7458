#!/usr/bin/env bash
# One command: set up everything, then analyse the bundled demo video and export NCL + SEM.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
exec .venv/bin/mulse-author demo "$@"
