"""Experiment: the model card's precision checks measured again on this CPU, without touching the card.

    python scripts/model2/experiments/precision_here.py --work WORK [--model trained] [--train-on-test-packages]

Stages 4 and 4b check bfloat16 and int8 against float32 on the build machine: the 800 re-mixed
cross-validation clips of stage 4 (200 per fold, seeds 20 + fold) at the card's thresholds, at most
1 % of the decisions may change; and the demo played 10, 20 and 30 dB quieter.  int8 kernels differ
between CPUs (16-bit saturating products on AVX2, exact 32-bit sums with VNNI), and bfloat16 runs
natively or emulated, so a machine that ``precision="auto"`` sends to int8 or bfloat16 can measure
here whether the card's figures hold for it.  Prints the CPU's relevant flags, what ``auto``
picks, and each runnable precision's figures beside the card's.  Needs stage 1's WORK only (no
trained stage); never reads a held-out set.
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

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "model2"))

from mulse_author.model import load_checkpoint  # noqa: E402
from mulse_author.model import precision as prec  # noqa: E402
from training.film import held_out_packages  # noqa: E402
from training.level_check import GAINS_DB  # noqa: E402
from training.precision_check import clip_scores, flip_check  # noqa: E402

FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=ROOT / "trained")
    ap.add_argument("--check-clips", type=int, default=200, help="clips per fold (the card's checks: 200)")
    ap.add_argument("--train-on-test-packages", action="store_true",
                    help="the model was built with it (2.5 on): the clips follow its folds")
    ap.add_argument("--json", type=Path, help="write the figures here")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    export = importlib.import_module("4_export")
    level_flips = importlib.import_module("4b_int8").level_flips  # stage 4b's demo check
    net, card = load_checkpoint(a.model)
    net.eval()
    cpu = prec.cpuinfo()
    flags = set(cpu.get("flags", "").split())
    auto = prec.resolve_precision("auto", net, card)
    print(f"CPU: {cpu.get('model name', '?')}; flags: " + ", ".join(f for f in FLAGS if f in flags)
          + f"; auto picks {auto}")
    th = np.array(card.threshold_list())
    t0 = time.perf_counter()
    powers = export.check_clips(a.work, held_out_packages(a.train_on_test_packages), a.check_clips,
                                card.training_data["selection"]["folds"])
    s32 = clip_scores(net, powers, "fp32")
    print(f"{len(s32)} clips scored in float32 ({time.perf_counter() - t0:.0f} s)", flush=True)
    inf = card.inference or {}
    on_card = {"bf16": inf.get("bf16_check", {}), "int8": (inf.get("int8") or {}).get("check", {})}
    out: dict = {"cpu_flags": sorted(flags & set(FLAGS)), "auto": auto}
    runnable = {"bf16": prec.bf16_runnable(), "int8": prec.int8_runnable() and "int8" in inf}
    levels = {"fp32": level_flips(net, card, "fp32")}
    for p in ("bf16", "int8"):
        if not runnable[p]:
            print(f"{p}: not runnable here (or not on the card)")
            continue
        chk = flip_check(net, th, powers, p, card, reference=s32)
        levels[p] = level_flips(net, card, p)
        out[p] = {"check": chk, "card": on_card[p], "demo_level_flips": levels[p]}
        c = on_card[p]
        print(f"{p}: {chk['decisions_flipped']} of {chk['decisions']} decisions changed against float32 "
              f"(card: {c.get('decisions_flipped', '-')}); largest score difference {chk['score_abs_diff_max']:.3f} "
              f"(card {c.get('score_abs_diff_max', float('nan')):.3f}), 99th percentile {chk['score_abs_diff_p99']:.3f}; "
              f"{'passes' if chk['passed'] else 'FAILS'} '{chk['criterion']}'")
    print("demo decisions changed at -10 / -20 / -30 dB: "
          + "; ".join(f"{p} {' / '.join(str(f[str(g)]) for g in GAINS_DB)}" for p, f in levels.items()))
    out["demo_level_flips_fp32"] = levels["fp32"]
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
