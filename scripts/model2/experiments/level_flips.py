"""Experiment: how many window decisions change when a signal is played quieter?

The shipped-model test (``tests/ship/test_shipped_model.py``) checks this on the demo alone
(210 decisions at -20 dB, one flip allowed per 100); this counts it on every everyday clip
(``training/fetch/get_everyday_audio.sh``: no labels needed, each clip is compared with itself)
plus the demo, at -10, -20 and -30 dB, for each checkpoint given.

    python scripts/model2/experiments/level_flips.py --everyday EVERYDAY trained OTHER_MODEL_DIR

Prints per checkpoint: decisions, flips (and %) per gain, mean absolute score change per gain.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from training.level_check import GAINS_DB, checkpoint_flips, signal_sets  # noqa: E402
from training.report_detector import everyday_set  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--everyday", type=Path, required=True)
    ap.add_argument("models", nargs="+", type=Path)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    sets = signal_sets(everyday_set(a.everyday))
    sets = {"demo and everyday clips": sets["demo and everyday clips"]}
    for d in a.models:
        r = checkpoint_flips(d, sets)[1]["demo and everyday clips"]
        n, flips = r["decisions"], r["flips"]
        print(f"{d}: {n} decisions; flips " + ", ".join(f"{g} dB {flips[str(g)]} ({100 * flips[str(g)] / n:.2f} %)"
                                                        for g in GAINS_DB)
              + "; mean |change| " + ", ".join(f"{g} dB {r['mean_abs_change'][str(g)]:.4f}" for g in GAINS_DB),
              flush=True)


if __name__ == "__main__":
    main()
