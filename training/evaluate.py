"""Evaluate checkpoints with the paper's metrics and draw its learning curves.

    python -m training.evaluate --checkpoint runs/bimodal [--data ...] [--split test]
    python -m training.evaluate --runs runs/bimodal runs/audio runs/video ...   # Table I only
    python -m training.evaluate --curves runs/bimodal/log.csv --out figs/         # Fig. 5 only

For one checkpoint it scores the chosen split (default ``test``; the data spec comes from
``--data`` or else the model card's ``training_data``) with the card's per-label thresholds
(calibrated on validation by :mod:`training.loop`) and prints / writes (``evaluation.json``
and ``evaluation.md`` in ``--out``, default the checkpoint folder): micro-F1, macro-F1,
Hamming loss, exact-match ratio, per-label TP/FP/TN/FN with precision, recall, F1 and average
precision (the paper's Tables II-IV layout). With ``--runs`` it also builds Table I (one row
per setting) from each run's stored ``metrics.json``. When the checkpoint folder holds a
``log.csv`` the learning curves (Fig. 5) are drawn to ``learning_curves.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from mulse_author.errors import CheckpointError, FormatError, MulseError
from mulse_author.labels import LABELS
from mulse_author.model import load_checkpoint
from training import metrics as M
from training.clip_loader import load_splits
from training.dataspec import DataSpec
from training.loop import predict_scores

__all__ = ["evaluate_checkpoint", "confusion_markdown", "table1_markdown", "report_markdown",
           "plot_learning_curves", "read_log", "main"]


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def confusion_markdown(report: Mapping[str, Any], title: str = "") -> str:
    """Per-label TP/FP/TN/FN table (the layout of the paper's Tables II-IV) plus precision,
    recall, F1, average precision and threshold."""
    lines = [f"**{title}**", ""] if title else []
    lines += ["| Label | TP | FP | TN | FN | Precision | Recall | F1 | AP | Threshold |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tot = [0, 0, 0, 0]
    for lab in report.get("labels", LABELS):
        r = report["per_label"][lab]
        for i, k in enumerate(("TP", "FP", "TN", "FN")):
            tot[i] += int(r[k])
        lines.append(f"| {lab} | {r['TP']} | {r['FP']} | {r['TN']} | {r['FN']} | "
                     f"{_fmt(r['precision'])} | {_fmt(r['recall'])} | {_fmt(r['f1'])} | "
                     f"{_fmt(r['average_precision'])} | {_fmt(r['threshold'], 2)} |")
    lines.append(f"| **all** | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} | | | | | |")
    return "\n".join(lines) + "\n"


def _map(report: Mapping[str, Any]) -> float | None:
    aps = [r["average_precision"] for r in report["per_label"].values()
           if r.get("average_precision") is not None]
    return float(np.mean(aps)) if aps else None


def table1_markdown(rows: Mapping[str, Mapping[str, Any]], title: str = "Table I") -> str:
    """One row per setting: micro-F1 (the paper's Table I figure), macro-F1, Hamming loss,
    exact-match ratio and mean AP. ``rows`` maps a setting name to a metric report dict."""
    lines = [f"**{title}**", "",
             "| Setting | micro-F1 | macro-F1 | Hamming loss | Exact match | mAP | clips |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {_fmt(r['micro_f1'])} | {_fmt(r['macro_f1'])} | "
                     f"{_fmt(r['hamming_loss'])} | {_fmt(r['exact_match_ratio'])} | "
                     f"{_fmt(_map(r))} | {r['n_clips']} |")
    return "\n".join(lines) + "\n"


def report_markdown(report: Mapping[str, Any], title: str) -> str:
    head = (f"## {title}\n\n"
            f"- clips: {report['n_clips']}\n"
            f"- micro-F1: {_fmt(report['micro_f1'])}\n"
            f"- macro-F1: {_fmt(report['macro_f1'])}\n"
            f"- Hamming loss: {_fmt(report['hamming_loss'])}\n"
            f"- exact-match ratio: {_fmt(report['exact_match_ratio'])}\n"
            f"- mean average precision: {_fmt(_map(report))}\n\n")
    return head + confusion_markdown(report)


# ------------------------------------------------------------------------ learning curves
def read_log(path: str | Path) -> list[dict[str, float]]:
    """Rows of a ``log.csv`` written by :mod:`training.loop` (numbers as floats)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"training log not found: {path}")
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                rows.append({k: float(v) if v not in ("", None) else float("nan")
                             for k, v in row.items()})
            except ValueError as exc:
                raise FormatError(f"{path}: not a training log ({exc})") from None
    if not rows or "epoch" not in rows[0]:
        raise FormatError(f"{path}: no epochs logged")
    return rows


def plot_learning_curves(logs: Mapping[str, str | Path] | str | Path, png: str | Path) -> Path:
    """Fig. 5: training / validation loss and validation micro-F1 per epoch, one line per
    run (``logs`` maps a run name to its ``log.csv``, or is a single path)."""
    import matplotlib  # optional (dev extra), and the Agg backend must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(logs, Mapping):
        logs = {Path(logs).parent.name or "run": logs}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for i, (name, p) in enumerate(logs.items()):
        rows = read_log(p)
        ep = [r["epoch"] for r in rows]
        color = f"C{i % 10}"
        ax1.plot(ep, [r["train_loss"] for r in rows], color=color, label=f"{name} train")
        ax1.plot(ep, [r["val_loss"] for r in rows], color=color, ls="--", label=f"{name} val")
        ax2.plot(ep, [r["val_micro_f1"] for r in rows], color=color, label=name)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("BCE loss")
    ax1.set_title("loss")
    ax1.legend(fontsize=7)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("micro-F1 (validation, calibrated thresholds)")
    ax2.set_title("validation micro-F1")
    ax2.set_ylim(0, 1)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


# --------------------------------------------------------------------------- evaluation
def evaluate_checkpoint(checkpoint: str | Path, data=None, split: str = "test",
                        device: str = "cpu", progress: bool = False) -> dict[str, Any]:
    """Metric report dict of ``checkpoint`` on ``split`` of ``data`` (a
    :class:`training.dataspec.DataSpec`; default: the one stored in the model card)."""
    model, card = load_checkpoint(checkpoint, device=device)
    if data is None:
        stored = card.training_data.get("data")
        if not isinstance(stored, dict):
            raise CheckpointError(f"{checkpoint}: the model card names no training data; "
                                  "pass --data")
        data = DataSpec.from_dict(stored)
    clips = load_splits(data, card.config, splits=(split,), progress=progress)[split]
    if len(clips) == 0:
        raise FormatError(f"the {split!r} split of the data is empty")
    scores, loss = predict_scores(model, clips, device=device)
    report = M.evaluate_scores(clips.labels.numpy(), scores, card.threshold_list()).to_dict()
    report["loss"] = loss
    report["split"] = split
    report["checkpoint"] = str(checkpoint)
    report["variant"] = card.config.variant
    return report


def _run_metrics(run: Path, split: str) -> dict[str, Any]:
    p = run / "metrics.json"
    if not p.is_file():
        raise FormatError(f"{run}: no metrics.json (train it with python -m training.train)")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{p}: not valid JSON ({exc})") from None
    if split not in data:
        raise FormatError(f"{p}: no {split!r} metrics stored")
    return data[split]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", help="checkpoint folder (model.safetensors + model_card.json)")
    ap.add_argument("--data", help="'synthetic', a CSV manifest, a folder or 'audioset:<csv>' "
                    "(default: the data named in the model card)")
    ap.add_argument("--split", default="test", choices=("train", "val", "test"))
    ap.add_argument("--runs", nargs="+", help="run folders for Table I (their metrics.json)")
    ap.add_argument("--curves", nargs="+", help="log.csv files to draw as Fig. 5")
    ap.add_argument("--out", help="where to write evaluation.json/.md and PNGs")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    if not (args.checkpoint or args.runs or args.curves):
        ap.error("give --checkpoint, --runs or --curves")
    try:
        out = Path(args.out or args.checkpoint or (args.runs[0] if args.runs else "."))
        out.mkdir(parents=True, exist_ok=True)
        md_parts, js = [], {}
        if args.checkpoint:
            spec = DataSpec.from_argument(args.data) if args.data else None
            report = evaluate_checkpoint(args.checkpoint, spec, args.split, args.device)
            js["checkpoint"] = report
            md_parts.append(report_markdown(report, f"{report['variant']} on the {args.split} split"))
            log = Path(args.checkpoint) / "log.csv"
            if log.is_file():
                png = plot_learning_curves({Path(args.checkpoint).name: log}, out / "learning_curves.png")
                md_parts.append(f"Learning curves: {png}\n")
        if args.runs:
            rows = {Path(r).name: _run_metrics(Path(r), args.split) for r in args.runs}
            js["table1"] = rows
            md_parts.append(table1_markdown(rows, f"Table I ({args.split} split)"))
            for name, r in rows.items():
                md_parts.append(confusion_markdown(r, f"{name}: per-label counts"))
            logs = {Path(r).name: Path(r) / "log.csv" for r in args.runs if (Path(r) / "log.csv").is_file()}
            if logs:
                png = plot_learning_curves(logs, out / "learning_curves_all.png")
                md_parts.append(f"Learning curves: {png}\n")
        if args.curves:
            png = plot_learning_curves({Path(c).parent.name or c: c for c in args.curves},
                                       out / "learning_curves.png")
            md_parts.append(f"Learning curves: {png}\n")
        md = "\n".join(md_parts)
        print(md)
        if js:
            (out / "evaluation.json").write_text(json.dumps(js, indent=2, allow_nan=False,
                                                            default=str), encoding="utf-8")
        (out / "evaluation.md").write_text(md, encoding="utf-8")
    except (MulseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
