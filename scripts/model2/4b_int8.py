"""Stage 4b: int8 encoder convolutions for CPUs without native bfloat16, measured and checked.

    python scripts/model2/4b_int8.py --work WORK --model trained --train-on-test-packages

Calibrates each convolution's activation scale on re-mixed cross-validation clips (16 per fold,
seeds 900 + fold), then checks int8 against float32 as stage 4 checks bfloat16: on 200 other clips
of each fold (stage 4's, seeds 20 + fold) at the card's thresholds at most 1 % of the decisions may
change; and the demo soundtrack at -10, -20 and -30 dB (:mod:`training.level_check`) may change no
more decisions in int8 than in float32.  ``--first 1`` runs convolutions 2-8 in int8, ``--first 2``
keeps convolution 2 in float32 too.

Writes into the model directory's card: ``inference["int8"]`` (the scales, the first int8
convolution, the check's figures) and, only when both checks pass, ``"int8"`` among the validated
precisions (``precision="auto"`` then runs int8 on CPUs without native bfloat16).  The section
"Inference precision" of MODEL_CARD.md is rewritten from the card.  Nothing here reads a held-out set.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mulse_author.model import load_checkpoint  # noqa: E402
from mulse_author.model.precision import int8_runnable  # noqa: E402
from training.film import held_out_packages  # noqa: E402
from training.level_check import GAINS_DB, model_flips, signal_sets  # noqa: E402
from training.precision_check import clip_scores, flip_check, int8_scales  # noqa: E402

export = importlib.import_module("4_export")
report = importlib.import_module("5_report")


def level_flips(net, card, precision: str) -> dict[str, int]:
    """Decisions of the demo that change at each gain in ``precision``: ``{"-10": n, ..., "decisions": n}``."""
    fig = model_flips(net, card, {"demo": signal_sets()["demo"]}, precision)["demo"]
    return {**fig["flips"], "decisions": fig["decisions"]}


def rewrite_precision_section(md_path: Path, inference: dict) -> None:
    """Replace the body of MODEL_CARD.md's "## Inference precision" section by the card's sentence."""
    text = md_path.read_text()
    head = "## Inference precision\n"
    a = text.index(head) + len(head)
    b = text.find("\n## ", a)
    md_path.write_text(text[:a] + report.precision_line(inference) + "\n" + (text[b:] if b >= 0 else ""))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True, help="an exported model directory (card rewritten)")
    ap.add_argument("--first", type=int, default=1, help="first convolution (0-based) run in int8")
    ap.add_argument("--check-clips", type=int, default=200)
    ap.add_argument("--calibration-clips", type=int, default=16)
    ap.add_argument("--train-on-test-packages", action="store_true",
                    help="the model was built with it (2.5 on): the clips follow its folds")
    a = ap.parse_args(argv)
    if not int8_runnable():  # e.g. an ARM build machine: the card keeps its precisions (as stage 4's bf16 skip)
        print("int8 not checked: this torch cannot run int8 convolutions on this CPU; the card is unchanged")
        return
    torch.set_num_threads(2)
    net, card = load_checkpoint(a.model)
    net.eval()
    th = np.array(card.threshold_list())
    folds = card.training_data["selection"]["folds"]
    held = held_out_packages(a.train_on_test_packages)
    t0 = time.perf_counter()
    calib = export.check_clips(a.work, held, a.calibration_clips, folds, seed0=900)
    scales = int8_scales(net.audio.encoder, calib)
    print("activation scales", [round(s, 5) for s in scales], flush=True)
    block = {"activation_scales": scales, "first_int8_conv": a.first,
             "description": (f"the aiSFX encoder's convolutions from number {a.first + 1} on in int8 (weights per output "
                             "channel, activations uint8 per tensor at the calibrated scales; torch's x86 engine), "
                             "float32 elsewhere; chosen by precision='auto' on CPUs without native bfloat16 or with int8 dot products (VNNI)"),
             "calibration": f"{len(calib) * a.calibration_clips} re-mixed cross-validation clips "
                            f"({a.calibration_clips} per fold, seeds 900+fold), HistogramObserver"}
    inference = dict(card.inference)
    inference["int8"] = block
    card.inference = inference  # the scales set_precision reads
    powers = export.check_clips(a.work, held, a.check_clips, folds)
    s32 = clip_scores(net, powers, "fp32")
    chk = flip_check(net, th, powers, "int8", card, reference=s32)
    print("clips:", json.dumps(chk), f"({time.perf_counter() - t0:.0f} s)", flush=True)
    lv32, lv8 = level_flips(net, card, "fp32"), level_flips(net, card, "int8")
    print("demo level flips fp32", lv32, "int8", lv8, flush=True)
    level_ok = all(lv8[str(g)] <= lv32[str(g)] for g in GAINS_DB)
    passed = chk.pop("passed") and level_ok
    chk["demo_level_flips"] = {"fp32": lv32, "int8": lv8,
                               "criterion": "no more changed decisions at any gain than float32"}
    block["check"] = chk
    precisions = [p for p in inference.get("precisions", ["fp32"]) if p != "int8"] + (["int8"] if passed else [])
    inference["precisions"] = precisions
    path = a.model / "model_card.json"
    data = json.loads(path.read_text())
    data["inference"] = inference
    path.write_text(json.dumps(data, indent=1) + "\n")
    load_checkpoint(a.model)  # the card still loads (its int8 block is validated)
    if (a.model / "MODEL_CARD.md").exists():
        rewrite_precision_section(a.model / "MODEL_CARD.md", inference)
    print(f"int8 {'validated' if passed else 'NOT validated'}; precisions {precisions} "
          f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
