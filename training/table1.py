"""Table I of the paper on the synthetic benchmark (:mod:`training.synthetic`): every model
setting trained on the same clips, and the table written as Markdown.

``python -m training.table1 --config training/configs/synthetic.json --out runs/synthetic``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mulse_author.errors import MulseError
from mulse_author.model.config import VARIANTS
from training.clip_loader import load_splits
from training.config import TrainConfig
from training.evaluate import table1_markdown
from training.loop import train


def run_table1(config, out_root=None, variants=None, progress: bool = False, log=None):
    """Train every Table I setting of ``config`` (a :class:`training.config.TrainConfig` with
    synthetic data) on the same clips and return ``{variant: TrainResult}``.

    The clips are rendered and turned into features once (both modalities) and shared by all
    settings; each setting starts from the same seed.
    """
    variants = tuple(variants or VARIANTS)
    both = config.model.replace(variant="bimodal")
    splits = load_splits(config.data, both, progress=progress)
    results = {}
    for v in variants:
        cfg = config.replace(model=config.model.replace(variant=v), name=v)
        out = Path(out_root) / v if out_root is not None else None
        results[v] = train(cfg, out, progress=progress, splits=splits, log=log)
    return results


def main(argv=None) -> int:
    """``python -m training.table1 --config training/configs/synthetic.json --out runs/synthetic``:
    train all six Table I settings on the benchmark and print / write Table I."""
    ap = argparse.ArgumentParser(prog="python -m training.table1", description=main.__doc__)
    ap.add_argument("--config", default="training/configs/synthetic.json")
    ap.add_argument("--out", default="runs/synthetic")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--variants", nargs="+")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    try:
        cfg = TrainConfig.load(args.config)
        if args.epochs is not None:
            cfg.epochs = args.epochs
        results = run_table1(cfg, args.out, args.variants, progress=not args.no_progress)
    except MulseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = {v: r.metrics["test"] for v, r in results.items()}
    md = table1_markdown(rows, title="Table I on the synthetic audio-visual benchmark (test split)")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "table1.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
