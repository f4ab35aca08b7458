#!/usr/bin/env bash
# Rebuilds the shipped model (2.9) from scratch on a CPU, then its report (about 3 h on 2 cores).
#   DEB_CACHE=/path/to/debs bash scripts/model2/reproduce.sh WORK OUT_DIR
# The aiSFX encoder weights come from the aisfx 0.1.2 wheel (PyPI), converted once to
# safetensors; a checkpoint that already holds them (e.g. trained/) can be given as ENCODER.
# MODEL=2.0 rebuilds model 2.0 instead (clips of stage 2, selection of stage 3); MODEL=2.1 model 2.1
# (stage 3b without the augmented training timelines of stage 2c); MODEL=2.2 model 2.2 (one head, no ensembles);
# MODEL=2.3 model 2.3 (two augmented rounds). 2.4 is reported on the fresh held-out set, fetched into
# FRESH (default WORK/fresh_heldout; 2.5 on also the second fresh set, FRESH2, default WORK/fresh2)
# only after the model is built. 2.5: 2.4's recipe with the old
# test packages in the training folds (MODEL=2.4 needs a WORK of its own: other folds); shipped before 2.9.
# MODEL=2.6, a candidate not shipped (benchmarks/RESULTS.md, 2026-12-07): 2.5's recipe plus everyday
# sounds (game foley, voices) played alone as examples of no label (stage 2c --negatives), five
# heads only; its report adds the everyday-sound check, fetched into EVERYDAY (default
# WORK/everyday) after the model is built. MODEL=2.7, a candidate not shipped either (C3 of
# benchmarks/RESULTS.md, 2026-12-07): 2.5's recipe plus each fold's recordings alone over noise floors
# (stage 2c --noisy) and its everyday sounds other than hits, slams and steps over noise floors as
# examples of no label (stage 2c --negatives --no-impacts --noisy), five heads only; reported as 2.6.
# MODEL=2.8: 2.7's training material, chosen and tuned with each fold's recordings over noise floors
# also scored (stage 3b --scored-floors fmaps_noisy: a fifth group of the clip micro-F1).
# MODEL=2.9: 2.8's, plus a second draw of both floor sets (stage 2c --round 2); the default, shipped
# 2026-12-07 (its report adds the level stability on the demo and the everyday clips).
# MODEL=2.10: 2.9's recipe with the first fresh set added to every fold's training (stages 2b/2c/3b
# --added; never scored in cross-validation): a candidate measured in cross-validation only, not adopted.
set -euo pipefail
WORK=${1:?usage: $0 WORK OUT_DIR}; OUT=${2:?usage: $0 WORK OUT_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
export PYTHONPATH="$ROOT"
bash "$ROOT/scripts/model2/1_fetch.sh" "$WORK"
ENCODER=${ENCODER:-}
if [ -z "$ENCODER" ]; then
  mkdir -p "$WORK/aisfx"
  "$PY" -m pip download -q --no-deps -d "$WORK/aisfx" aisfx==0.1.2
  "$PY" -m training.aisfx_weights "$WORK"/aisfx/aisfx-0.1.2-*.whl "$WORK/aisfx/encoder.safetensors" \
      --sha256 bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194
  ENCODER="$WORK/aisfx/encoder.safetensors"
fi
MODEL=${MODEL:-2.9}
if [ "$MODEL" = "2.0" ]; then
  "$PY" "$ROOT/scripts/model2/2_mix_embed.py" --work "$WORK" --encoder "$ENCODER"
  "$PY" "$ROOT/scripts/model2/3_select_train.py" --work "$WORK"
  "$PY" "$ROOT/scripts/model2/4_export.py" --work "$WORK" --encoder-from "$ENCODER" --out "$OUT"
  "$PY" "$ROOT/scripts/model2/5_report.py" --work "$WORK" --model "$OUT"
elif [ "$MODEL" = "2.1" ]; then
  "$PY" "$ROOT/scripts/model2/2b_regions.py" --work "$WORK" --encoder "$ENCODER" --timelines 12
  "$PY" "$ROOT/scripts/model2/3b_select_tune.py" --work "$WORK" --tuner coordinate
  "$PY" "$ROOT/scripts/model2/4_export.py" --work "$WORK" --encoder-from "$ENCODER" --select select21 \
      --version 2.1 --out "$OUT"
  "$PY" "$ROOT/scripts/model2/5_report.py" --work "$WORK" --model "$OUT" --select select21
else
  # 2.5: the old test packages join the folds (the fresh set is the held-out set); its folds differ
  # from 2.2-2.4's, so the two need separate WORKs
  TT=(); case $MODEL in 2.5|2.6|2.7|2.8|2.9|2.10) TT=(--train-on-test-packages) ;; esac
  "$PY" "$ROOT/scripts/model2/2b_regions.py" --work "$WORK" --encoder "$ENCODER" --timelines 12 "${TT[@]}"
  # 24 augmented training timelines per fold (training.augment; 2.2 and 2.3: two rounds): never scored
  "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --timelines 24 --extra --augment "${TT[@]}"
  EXTRA=(fmaps_aug); REPORT=(); ONLY=(); SCORED=()
  if [ "$MODEL" = "2.6" ]; then
    # each fold's everyday sounds alone at four gains, no label (never scored)
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --negatives "${TT[@]}"
    EXTRA=(fmaps_aug fmaps_neg); ONLY=(--only mlp512_e40x5)
  fi
  if [ "$MODEL" = "2.7" ] || [ "$MODEL" = "2.8" ] || [ "$MODEL" = "2.9" ] || [ "$MODEL" = "2.10" ]; then
    # each fold's recordings alone over hiss, pink noise, room tone or hum; its everyday sounds
    # other than hits, slams and steps over the same floors, no label (neither is ever scored)
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --noisy "${TT[@]}"
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --negatives --no-impacts --noisy "${TT[@]}"
    EXTRA=(fmaps_aug fmaps_noisy fmaps_neg_soft_noisy); ONLY=(--only mlp512_e40x5)
    # 2.8: the same, chosen with the recordings over noise floors scored too
    if [ "$MODEL" = "2.8" ]; then SCORED=(--scored-floors fmaps_noisy); fi
    if [ "$MODEL" = "2.9" ] || [ "$MODEL" = "2.10" ]; then
      # 2.9: a second draw of both floor sets (other floors, levels and placements)
      "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --noisy --round 2 "${TT[@]}"
      "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --negatives --no-impacts --noisy \
          --round 2 "${TT[@]}"
      EXTRA+=(fmaps_noisy2 fmaps_neg_soft_noisy2); SCORED=(--scored-floors fmaps_noisy)
    fi
  fi
  ADDED=()
  if [ "$MODEL" = "2.10" ]; then
    # 2.10: 2.9's recipe with the first fresh set added to training (split over the folds by package,
    # each part over its fold's own beds; never scored): fetched now, before any head is trained
    FRESH=${FRESH:-$WORK/fresh_heldout}
    PYTHON="$PY" bash "$ROOT/training/fetch/get_fresh_heldout_audio.sh" "$FRESH"
    A=(--work "$WORK" --encoder "$ENCODER" --added "$FRESH" "${TT[@]}")
    "$PY" "$ROOT/scripts/model2/2b_regions.py" "${A[@]}" --timelines 2
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" "${A[@]}" --timelines 3 --extra --augment
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" "${A[@]}" --noisy
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" "${A[@]}" --noisy --round 2
    ADDED=(--added)
  fi
  if [ "$MODEL" = "2.2" ] || [ "$MODEL" = "2.3" ]; then
    "$PY" "$ROOT/scripts/model2/2c_fmaps.py" --work "$WORK" --encoder "$ENCODER" --timelines 24 --extra --augment --round 2
    EXTRA=(fmaps_aug fmaps_aug2)
  fi
  case $MODEL in 2.2) SELECT=select22; ENS=() ;; 2.3) SELECT=select23; ENS=(--ensembles) ;;
    2.4) SELECT=select24; ENS=(--ensembles) ;; 2.5) SELECT=select25; ENS=(--ensembles) ;;
    2.6) SELECT=select26; ENS=(--ensembles) ;; 2.7) SELECT=select27; ENS=(--ensembles) ;;
    2.8) SELECT=select28; ENS=(--ensembles) ;; 2.10) SELECT=select210; ENS=(--ensembles) ;;
    *) SELECT=select29; ENS=(--ensembles) ;; esac
  # 2.3 on: the candidates include logit-averaged ensembles of 3 and 5 mlp512 heads (seeds 0-2, 0-4)
  # 2.6: the five-head ensemble only (chosen by 2.4's and 2.5's selections)
  # models 2.1-2.10 were tuned with the coordinate search (stage 3b's default since 2026-12-07 is the
  # joint one: benchmarks/RESULTS.md, eighth session)
  "$PY" "$ROOT/scripts/model2/3b_select_tune.py" --work "$WORK" --tuner coordinate --train-extra "${EXTRA[@]}" "${ENS[@]}" "${ONLY[@]}" "${SCORED[@]}" "${ADDED[@]}" --out $SELECT
  if [ "$MODEL" = "2.10" ]; then
    # measured in cross-validation only (not adopted: benchmarks/RESULTS.md, 2026-12-07); no export, no report
    echo "2.10: cross-validation figures in $WORK/$SELECT/selection.json"; exit 0
  fi
  "$PY" "$ROOT/scripts/model2/4_export.py" --work "$WORK" --encoder-from "$ENCODER" --select $SELECT \
      --version "$MODEL" --out "$OUT" "${TT[@]}"
  # int8 for CPUs without native bfloat16 (added to 2.9's card after it shipped: trained/REPRODUCE.md, 4b)
  if [ "$MODEL" = "2.9" ]; then "$PY" "$ROOT/scripts/model2/4b_int8.py" --work "$WORK" --model "$OUT" "${TT[@]}"; fi
  if [ "$MODEL" != "2.2" ] && [ "$MODEL" != "2.3" ]; then
    FRESH=${FRESH:-$WORK/fresh_heldout}
    PYTHON="$PY" bash "$ROOT/training/fetch/get_fresh_heldout_audio.sh" "$FRESH"
    REPORT=(--fresh "$FRESH")
    if [ "$MODEL" != "2.4" ]; then
      # the second fresh set (2026-12-07; no music of its own: its timelines use the first set's)
      FRESH2=${FRESH2:-$WORK/fresh2}
      bash "$ROOT/training/fetch/get_fresh2_heldout_audio.sh" "$FRESH2"
      REPORT+=(--fresh2 "$FRESH2")
    fi
    # 2.5 on trained on the old test packages: no report on them
    [ "$MODEL" = "2.4" ] || REPORT+=(--no-test-packages)
  fi
  # 2.9 is reported beside 2.5 when PREVIOUS names 2.5's checkpoint (as its shipped card is)
  if [ -n "${PREVIOUS:-}" ]; then REPORT+=(--previous "$PREVIOUS"); fi
  if [ "$MODEL" = "2.6" ] || [ "$MODEL" = "2.7" ] || [ "$MODEL" = "2.8" ] || [ "$MODEL" = "2.9" ]; then
    EVERYDAY=${EVERYDAY:-$WORK/everyday}
    bash "$ROOT/training/fetch/get_everyday_audio.sh" "$EVERYDAY"
    REPORT+=(--everyday "$EVERYDAY")
  fi
  "$PY" "$ROOT/scripts/model2/5_report.py" --work "$WORK" --model "$OUT" --select $SELECT "${REPORT[@]}"
fi
