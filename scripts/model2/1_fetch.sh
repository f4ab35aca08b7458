#!/usr/bin/env bash
# Stage 1: the real recordings (labelled + label-free beds) and the film beds of model 2.0.
#   bash scripts/model2/1_fetch.sh WORK        (DEB_CACHE=dir keeps the .debs between runs)
# WORK/scene   ../shared/data/get_scene_audio.sh         labelled, 21 Debian packages
# WORK/extra   training/fetch/get_extra_scene_audio.sh    labelled, further packages
# WORK/background training/fetch/get_background_audio.sh  label-free game sounds and music
# WORK/beds    training/fetch/get_film_beds.sh            music and ambiences (when present)
# WORK/film    espeak-ng dialogue (train / test voices) and synthetic hiss, hum, room tone
set -euo pipefail
WORK=${1:?usage: $0 WORK}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${MULSE_SHARED:-$ROOT/../shared}
PY=${PYTHON:-$ROOT/.venv/bin/python}
mkdir -p "$WORK"
# the fetch scripts probe durations with ffprobe and unpack zips; stage 1 speaks with espeak-ng
need=""
for tool in ffprobe:ffmpeg unzip:unzip espeak-ng:espeak-ng; do
  command -v "${tool%%:*}" >/dev/null || need="$need ${tool##*:}"
done
if [ -n "$need" ]; then
  [ "$(id -u)" = 0 ] || { echo "stage 1 needs the Debian packages:$need (apt-get install)" >&2; exit 2; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
[ -f "$WORK/scene/manifest.tsv" ] || bash "$SHARED/data/get_scene_audio.sh" "$WORK/scene"
[ -f "$WORK/extra/manifest.tsv" ] || bash "$ROOT/training/fetch/get_extra_scene_audio.sh" "$WORK/extra"
[ -f "$WORK/background/manifest.tsv" ] || bash "$ROOT/training/fetch/get_background_audio.sh" "$WORK/background"
if [ -f "$ROOT/training/fetch/get_film_beds.sh" ] && [ ! -f "$WORK/beds/manifest.tsv" ]; then
  bash "$ROOT/training/fetch/get_film_beds.sh" "$WORK/beds"
fi
PYTHONPATH="$ROOT" "$PY" - "$WORK" <<'PY'
import sys
from pathlib import Path
from training.film import TEST_VOICES, TRAIN_VOICES, make_dialogue, make_noise_beds
w = Path(sys.argv[1]) / "film"
make_dialogue(w / "dialogue_train", TRAIN_VOICES, 40, 1)
make_dialogue(w / "dialogue_test", TEST_VOICES, 12, 2)
make_noise_beds(w / "noise_train", 5, 1)
make_noise_beds(w / "noise_test", 3, 2)
PY
echo "stage 1 done: $WORK"
