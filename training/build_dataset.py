"""Build training datasets from the command line.

    python -m training.build_dataset audioset --csv ../shared/audioset/eval_segments.csv \\
        --out data/as_eval [--children --ontology ../shared/audioset/ontology.json] [--cap 2000]
    python -m training.build_dataset download --manifest data/as_eval/manifest.csv \\
        [--out data/as_eval] --workers 4
    python -m training.build_dataset mix --recordings DIR_OR_CSV [--backgrounds DIR_OR_CSV] \\
        --out data/mixed --clips 2000 --seed 0 [--split train --split-seed 0]
    python -m training.build_dataset scan --recordings DIR --out manifest.csv
    python -m training.build_dataset split --recordings DIR_OR_CSV --out DIR [--seed 0]

Errors from bad input are reported as one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mulse_author.errors import MulseError
from training.datasets import audioset as aset
from training.datasets.download import YtDlpFetcher, download_manifest
from training.datasets.local import MEDIA_EXTENSIONS, read_manifest, scan_folder, source_of, write_manifest
from training.datasets.recordings import Recording
from training.datasets.splits import check_disjoint, label_counts, split_by_source
from training.mixer import MixerConfig, mixer_from_recordings, write_clips


def _recordings(spec: str, unlabelled: bool = False, probe: bool = False):
    """Recordings of a folder (``ROOT/<label>/<file>``, or any folder when ``unlabelled``) or
    of a manifest CSV."""
    path = Path(spec)
    if path.is_file():
        recs = read_manifest(path)
        return [Recording(r.path, (), r.source, r.start_s, r.end_s, r.duration_s)
                for r in recs] if unlabelled else recs
    if unlabelled:
        if not path.is_dir():
            raise MulseError(f"background folder not found: {path}")
        return [Recording(str(p), (), source_of(p)) for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS
                and not p.name.startswith(".")]
    return scan_folder(path, probe=probe)


def cmd_audioset(args) -> int:
    ontology = aset.load_ontology(args.ontology) if args.children else None
    evidence = aset.label_evidence(ontology, children=args.children)
    segments = []
    for csv_path in args.csv:
        segments += aset.read_segments(csv_path)
    cap = None if args.cap <= 0 else args.cap
    chosen = aset.select_segments(segments, evidence, cap=cap, seed=args.seed, order=args.order)
    out = Path(args.out)
    manifest = aset.write_manifest(chosen, out / "manifest.csv", ext=args.ext)
    counts = aset.label_counts(chosen)
    (out / "selection.json").write_text(json.dumps(
        {"csv": [str(c) for c in args.csv], "children": args.children, "cap": cap,
         "seed": args.seed, "order": args.order, "segments_read": len(segments),
         "counts": counts}, indent=1))
    print(f"{counts['clips']} clips of {len(segments)} segments -> {manifest}")
    print("  " + ", ".join(f"{k}: {v}" for k, v in counts.items() if k != "clips"))
    return 0


def cmd_download(args) -> int:
    fetcher = YtDlpFetcher(cookies=args.cookies, rate_limit=args.rate_limit)
    report = download_manifest(args.manifest, fetcher, out_dir=args.out, workers=args.workers,
                               video=not args.audio_only, retry_failed=args.retry_failed,
                               progress=True)
    print(report.summary())
    return 0 if report.failed == 0 else 1


def cmd_mix(args) -> int:
    recs = _recordings(args.recordings)
    beds = _recordings(args.backgrounds, unlabelled=True) if args.backgrounds else []
    if args.split:
        fractions = json.loads(args.fractions) if args.fractions else None
        recs = split_by_source(recs, fractions, seed=args.split_seed)[args.split]
        beds = split_by_source(beds, fractions, seed=args.split_seed)[args.split] if beds else []
    config = MixerConfig(**json.loads(Path(args.config).read_text())) if args.config \
        else MixerConfig()
    mixer = mixer_from_recordings(recs, beds, config, seed=args.seed)
    manifest = write_clips(mixer, args.out, args.clips, args.seed, fmt=args.format,
                           progress=not args.quiet)
    print(f"{args.clips} clips ({len(recs)} event recordings, {len(beds)} backgrounds) "
          f"-> {manifest}")
    return 0


def cmd_scan(args) -> int:
    recs = _recordings(args.recordings, probe=True)
    write_manifest(recs, args.out)
    print(f"{len(recs)} recordings -> {args.out}")
    return 0


def cmd_split(args) -> int:
    recs = _recordings(args.recordings, probe=False)
    fractions = json.loads(args.fractions) if args.fractions else None
    splits = split_by_source(recs, fractions, seed=args.seed)
    check_disjoint(splits)
    out = Path(args.out)
    for name, part in splits.items():
        write_manifest(part, out / f"{name}.csv", relative_to=out)
    for name, row in label_counts(splits).items():
        print(f"{name:>6}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.build_dataset",
                                description="Build Mulse Author training datasets.")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("audioset", help="select AudioSet segments of the 7 labels -> manifest")
    a.add_argument("--csv", nargs="+", required=True, help="segment CSV(s), either header style")
    a.add_argument("--out", required=True, help="output folder (manifest.csv, selection.json)")
    a.add_argument("--children", action="store_true",
                   help="count ontology children as evidence for their parent label")
    a.add_argument("--ontology", default=None, help="AudioSet ontology.json (with --children)")
    a.add_argument("--cap", type=int, default=2000, help="clips per label (0 = no cap)")
    a.add_argument("--seed", type=int, default=None, help="shuffle candidates (default: file order)")
    a.add_argument("--order", choices=("model", "rarest"), default="model",
                   help="order labels are capped in")
    a.add_argument("--ext", default=".mp4", help="extension of the downloaded clips")
    a.set_defaults(func=cmd_audioset)

    d = sub.add_parser("download", help="fetch and cut the YouTube segments of a manifest")
    d.add_argument("--manifest", required=True)
    d.add_argument("--out", default=None, help="dataset folder (default: the manifest's)")
    d.add_argument("--workers", type=int, default=4)
    d.add_argument("--audio-only", action="store_true", help="cut audio only (.m4a/.mka)")
    d.add_argument("--retry-failed", action="store_true", help="retry segments listed as failed")
    d.add_argument("--cookies", default=None, help="yt-dlp cookies file")
    d.add_argument("--rate-limit", default=None, help="yt-dlp rate limit, e.g. 2M")
    d.set_defaults(func=cmd_download)

    m = sub.add_parser("mix", help="mix multi-label 10 s clips from event recordings")
    m.add_argument("--recordings", required=True, help="ROOT/<label>/<file> folder or manifest CSV")
    m.add_argument("--backgrounds", default=None, help="folder or CSV of unlabelled beds")
    m.add_argument("--out", required=True)
    m.add_argument("--clips", type=int, required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--format", choices=("flac", "wav"), default="flac")
    m.add_argument("--config", default=None, help="JSON file of MixerConfig fields")
    m.add_argument("--split", default=None, help="mix only this split of split_by_source")
    m.add_argument("--split-seed", type=int, default=0)
    m.add_argument("--fractions", default=None, help='JSON, e.g. {"train":0.8,"val":0.2}')
    m.add_argument("--quiet", action="store_true")
    m.set_defaults(func=cmd_mix)

    s = sub.add_parser("scan", help="write the manifest of a ROOT/<label>/<file> folder")
    s.add_argument("--recordings", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_scan)

    t = sub.add_parser("split", help="split recordings by source -> train/val/test manifests")
    t.add_argument("--recordings", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--fractions", default=None)
    t.set_defaults(func=cmd_split)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (MulseError, json.JSONDecodeError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
