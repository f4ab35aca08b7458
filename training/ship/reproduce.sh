#!/usr/bin/env bash
# reproduce.sh WORK_DIR [OUT_MODEL_DIR]
# Rebuilds the shipped default model from scratch on CPU: fetch data, convert the aisfx weights,
# mix and cache clips, embed, compare encoders, export the winner with its card, time it.
# Needs: the packages of get_scene_audio.sh (apt-get, dpkg-deb, ffprobe...), pip (for the aisfx
# wheel, fetched with --no-deps and never installed), the project's venv. Env: DEB_CACHE=dir keeps
# the 4.3 GB of .debs; PYTHON (default python3).
set -euo pipefail
W=${1:?usage: $0 WORK_DIR [OUT_MODEL_DIR]}; OUTM=${2:-trained}
PY=${PYTHON:-python3}
AISFX_SHA256=bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194
HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$W"
[ -f "$W/scene/manifest.tsv" ] || bash "$HERE/../shared/data/get_scene_audio.sh" "$W/scene"
[ -f "$W/background/manifest.tsv" ] || bash "$HERE/training/ship/get_background_audio.sh" "$W/background"
ls "$W"/wheels/aisfx-0.1.2-*.whl >/dev/null 2>&1 || $PY -m pip download -q aisfx==0.1.2 --no-deps -d "$W/wheels"
cd "$HERE"
[ -f "$W/aisfx_encoder.safetensors" ] || nice $PY -m training.ship.convert_aisfx "$W"/wheels/aisfx-0.1.2-*.whl "$W/aisfx_encoder.safetensors" --sha256 $AISFX_SHA256
nice $PY -m training.ship.build_data --scene "$W/scene" --background "$W/background" --out "$W/ship"
nice $PY -m training.ship.embed_aisfx --data "$W/ship" --aisfx "$W/aisfx_encoder.safetensors"
nice $PY -m training.ship.compare_encoders --data "$W/ship" --aisfx "$W/aisfx_encoder.safetensors" --out "$W/ship/results"
nice $PY -m training.ship.ship_model export --data "$W/ship" --results "$W/ship/results" --aisfx "$W/aisfx_encoder.safetensors" --out "$OUTM"
nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$OUTM" --out "$W/ship/timing.json"
nice $PY -m training.ship.ship_model timing --timing "$W/ship/timing.json" --out "$OUTM"
# The card of the shipped model also holds the same timelines analysed with the other encoder and
# the speed figures; to add them (speed was measured on an idle CPU with 2 threads):
if [ "${WITH_EXTRAS:-1}" = 1 ]; then
  nice $PY -m training.ship.ship_model export --data "$W/ship" --results "$W/ship/results" --out "$W/compact_model" --choose compact
  nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$W/compact_model" --out "$W/ship/timing_compact.json"
  nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$OUTM" --out "$W/ship/timing.json" --dump "$W/ship/timing_dump"
  nice $PY -m training.ship.sweep_detection --dump "$W/ship/timing_dump" --model "$OUTM" --out "$W/ship/sweep.json"
  nice $PY -m training.ship.bench_window_speed --threads 2 --out "$W/ship/speed.json"
  nice $PY -m training.ship.ship_model timing --timing "$W/ship/timing.json" --speed "$W/ship/speed.json" \
    --other-timing compact="$W/ship/timing_compact.json" --sweep "$W/ship/sweep.json" --out "$OUTM"
fi
# Model 1.1 (aisfx_stream: fixed-level front end, one CNN pass per stream), from the same cached clips
nice $PY -m training.ship.stream_experiment embed --data "$W/ship" --aisfx "$W/aisfx_encoder.safetensors" --out "$W/ship/stream"
nice $PY -m training.ship.stream_experiment compare --data "$W/ship" --emb "$W/ship/stream" --aisfx "$W/aisfx_encoder.safetensors" \
  --shipped "$W/ship/results/aisfx.json" --out "$W/ship/results_stream"
cp "$W"/ship/results/{aisfx.json,aisfx_head.safetensors,compact.json,compact.safetensors,compact_val_scores.npy} "$W/ship/results_stream/"
nice $PY -m training.ship.ship_model export --data "$W/ship" --results "$W/ship/results_stream" --emb "$W/ship/stream" \
  --aisfx "$W/aisfx_encoder.safetensors" --choose aisfx_stream --out "$W/ship/stream_model"
nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$W/ship/stream_model" \
  --seeds 10,11,12,13,14 --out "$W/ship/stream/timing_heldout.json"
nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$W/ship/stream_model" \
  --seeds 0,1,2 --out "$W/ship/stream/timing_tuning.json"
cp "$W/ship/stream_model/model.safetensors" "$OUTM/model.safetensors"
nice $PY benchmarks/bench_analysis.py --models shipped > "$W/ship/stream/bench.log"
nice $PY -m training.ship.stream_card "$W/ship" "$OUTM" "$W/ship/stream/bench.log"
# Inference precision: bf16 convolutions validated on the validation clips and the held-out timelines
mkdir -p "$W/ship/prec"
for P in fp32 bf16; do
  nice $PY -m training.ship.evaluate_timing --scene "$W/scene" --background "$W/background" --model "$OUTM" \
    --seeds 10,11,12,13,14 --precision $P --out "$W/ship/prec/timing_heldout_$P.json"
done
nice $PY -m training.ship.precision_check --data "$W/ship" --model "$OUTM" --out "$W/ship/prec/precision.json" \
  --update-card --timing "$W/ship/prec/timing_heldout_fp32.json" "$W/ship/prec/timing_heldout_bf16.json"
