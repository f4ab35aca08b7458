"""Experiment: int8 against float32 on the training recordings analysed alone, as users' files are:
each over a noise floor (the report's floor tracks) and on digital silence at 0 dB.

    python scripts/model2/experiments/int8_floors.py --work WORK [--model trained] [--train-on-test-packages]

Stage 4b checks int8 on re-mixed clips (music and dialogue beds); a file whose event sits over hiss,
hum or room tone puts other activations through the quantised layers.  Prints, per condition, the
clip micro-F1 in each precision and the (recording, label) decisions that differ.  Cross-validation
material only (never the held-out sets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.media import load_audio  # noqa: E402
from training import report_detector as R  # noqa: E402
from training import timelines  # noqa: E402
from training.film import held_out_packages, training_recordings  # noqa: E402
from training.metrics import f1_from_counts  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=Path("trained"))
    ap.add_argument("--train-on-test-packages", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    recs, _ = training_recordings(a.work, held_out_packages(a.train_on_test_packages))
    conditions = {  # the report's floor tracks (R.floor_figures), and each recording as it is
        "over noise floors": lambda: ((audio, {e.label for e in truth})
                                      for audio, truth in timelines.noisy_tracks(recs, 1, 11, snr_db=(10.0, 30.0))),
        "alone, 0 dB": lambda: ((load_audio(r.path), set(r.labels)) for r in recs),
    }
    preds = {p: R.model_predictor(str(a.model), p) for p in ("fp32", "int8")}
    for name, tracks in conditions.items():
        (y, p32), (_, p8) = (R.label_decisions(pred, tracks()) for pred in preds.values())
        f32, f8 = (float(f1_from_counts((y & p).sum(), (~y & p).sum(), (y & ~p).sum())) for p in (p32, p8))
        diff = int((p32 != p8).sum())
        print(f"{name}: {len(y)} recordings, {y.size} decisions; micro-F1 fp32 {f32:.3f}, "
              f"int8 {f8:.3f}; decisions that differ {diff} ({100 * diff / y.size:.2f} %); "
              f"labels given fp32 {int(p32.sum())}, int8 {int(p8.sum())}", flush=True)


if __name__ == "__main__":
    main()
