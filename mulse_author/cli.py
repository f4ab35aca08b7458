"""The ``mulse-author`` command line: analyze, demo, gui (+ export/validate from formats).

User errors (bad files, bad options) print one line on stderr and exit with status 2;
``--debug`` shows tracebacks instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import MulseError
from .labels import LABELS, label_index

DEMO_VIDEO = Path(os.environ.get("MULSE_RESOURCES", Path(__file__).resolve().parents[1] / "resources")) / "demo" / "demo.mp4"


def _fail(msg: str, code: int = 2) -> int:
    print(f"mulse-author: error: {msg}", file=sys.stderr)
    return code


def parse_thresholds(items: Sequence[str] | None) -> tuple[float | None, dict[str, float]]:
    """``["0.4", "Fire=0.3"]`` -> ``(0.4, {"Fire": 0.3})``; raises MulseError with the bad item."""
    default, per = None, {}
    for item in items or []:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            name, _, val = part.rpartition("=")
            try:
                x = float(val)
            except ValueError:
                raise MulseError(f"--threshold {part!r}: expected a number or LABEL=NUMBER") from None
            if not 0.0 < x <= 1.0:
                raise MulseError(f"--threshold {part!r}: the threshold must be in (0, 1]")
            if name:
                try:
                    per[LABELS[label_index(name)]] = x
                except KeyError:
                    raise MulseError(f"--threshold {part!r}: unknown label; use one of {', '.join(LABELS)}") from None
            else:
                default = x
    return default, per


def _progress_bar(enabled: bool):
    """A tqdm bar on stderr driven by ``progress(fraction, message)``; no-op when disabled."""
    if not enabled:
        return (lambda f, m: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=1000, file=sys.stderr, unit="‰", leave=False, dynamic_ncols=True,
               bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def update(fraction: float, message: str) -> None:
        bar.set_description_str(message, refresh=False)
        bar.update(max(0, int(fraction * 1000) - bar.n))

    return update, bar.close


def _run_analysis(video: str, args, quiet: bool):
    from .detect.analyze import analyze
    from .detect.segmentation import DetectionSettings

    default, per = parse_thresholds(args.threshold)
    settings = DetectionSettings()
    if default is not None:
        settings.default_threshold = default
        settings.thresholds = {lab: default for lab in LABELS}
    settings.thresholds.update(per)
    if not (args.hop > 0):
        raise MulseError(f"--hop must be a positive number of seconds, got {args.hop}")
    from .effects.rules import load_rules
    from .media.probe import probe

    probe(video)  # a missing or unreadable file fails here, before the progress bar
    rules = load_rules(args.rules)
    model = args.model
    if model is not None and not Path(model).exists():
        raise MulseError(f"{model}: model checkpoint not found")
    update, close = _progress_bar(not quiet and not args.no_progress)
    try:
        return analyze(video, model=model, hop_s=args.hop, settings=settings, rules=rules, progress=update,
                       precision=args.precision)
    finally:
        close()


def _fmt_ms(ms: int) -> str:
    s, ms = divmod(int(ms), 1000)
    m, s = divmod(s, 60)
    return f"{m:d}:{s:02d}.{ms // 100:d}"


def suggestions_table(doc) -> str:
    """A readable table of the document's suggestions."""
    rows = [("start", "end", "effect", "intensity", "colour / scent", "where", "from", "conf.")]
    for s in doc.segments():
        rows.append((
            _fmt_ms(s.start_ms), _fmt_ms(s.end_ms), s.effect, f"{s.intensity:.2f}",
            s.color or s.scent or "", s.location or "", s.label or "signal cue",
            "" if s.confidence is None else f"{s.confidence:.2f}",
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _print_summary(doc, out_path: Path) -> None:
    a = doc.analysis
    for w in a.get("warnings", []):
        print(f"note: {w}", file=sys.stderr)
    print(f"{len(doc)} suggestions ({a['suggestions']['scene']} from scene detection, "
          f"{a['suggestions']['cues']} from signal cues) in {a['timings_s']['total']:.1f} s -> {out_path}")


def cmd_analyze(args) -> int:
    from .document import save_project

    doc = _run_analysis(args.video, args, args.quiet)
    out = Path(args.output)
    save_project(doc, out)
    if not args.quiet:
        _print_summary(doc, out)
    return 0


def cmd_demo(args) -> int:
    from .document import save_project

    video = Path(args.video) if args.video else DEMO_VIDEO
    if not video.is_file():
        raise MulseError(f"{video}: demo video not found (run resources/demo/make_demo.py to build it)")
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Analysing the demo video {video} ...")
    doc = _run_analysis(str(video), args, quiet=False)
    project = out_dir / "demo_project.json"
    save_project(doc, project)
    for w in doc.analysis.get("warnings", []):
        print(f"note: {w}")
    print()
    print(suggestions_table(doc))
    print()
    print(f"project: {project}")
    try:
        from .formats import sem_writer, ncl_writer  # noqa: F401
    except ImportError:
        print("(SEM / NCL export not available in this build: skipped)")
        return 0
    for name, module, attr in (("demo.sem", sem_writer, "write_sem"), ("demo.ncl", ncl_writer, "write_ncl")):
        writer = getattr(module, attr, None)
        if writer is None:
            print(f"({name}: exporter not available yet, skipped)")
            continue
        target = out_dir / name
        warnings = writer(doc, target)
        print(f"export: {target}")
        for w in warnings or []:
            print(f"  note: {w}")
    return 0


def cmd_gui(args) -> int:
    try:
        from .gui.app import main as gui_main
    except ImportError as exc:
        return _fail(f"the graphical editor is not available ({exc})")
    return int(gui_main([args.file] if args.file else []) or 0)


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hop", type=float, default=1.0, metavar="S",
                   help="seconds between the starts of the 10 s analysis windows (default 1)")
    p.add_argument("--model", metavar="PATH", help="model checkpoint folder or model.safetensors "
                   "(default: the shipped model in trained/, if any)")
    p.add_argument("--threshold", action="append", metavar="X|LABEL=X",
                   help="decision threshold for all labels (X) or one label (Fire=0.3); repeatable")
    p.add_argument("--rules", metavar="FILE", help="effect rules JSON (default: "
                   "~/.config/mulse-author/effect_rules.json, else the bundled rules)")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                   help="arithmetic of the audio encoder's convolutions: auto (default) uses bfloat16 "
                        "when the model card validated it and the CPU computes it natively, else fp32")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mulse-author",
                                     description="Suggest timed sensory effects for a video; edit; export NCL / MPEG-V SEM.")
    parser.add_argument("--version", action="version", version=f"mulse-author {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("analyze", help="analyse a video and write a project of suggested effects")
    p.add_argument("video", help="video or audio file")
    p.add_argument("-o", "--output", required=True, metavar="PROJECT", help="project file to write (.json)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    _add_analysis_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("demo", help="analyse the bundled demo video and show the suggestions")
    p.add_argument("--video", help=argparse.SUPPRESS)
    p.add_argument("--output-dir", "--out", default="demo_output", metavar="DIR",
                   help="where to write the project, demo.sem and demo.ncl (default demo_output)")
    _add_analysis_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("gui", help="open the editor")
    p.add_argument("file", nargs="?", help="video or project to open")
    p.set_defaults(func=cmd_gui)

    try:  # the formats package registers export / validate when it provides them
        from .formats.cli_commands import add_subcommands
    except ImportError:
        pass
    else:
        add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except MulseError as exc:
        if args.debug:
            raise
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(f"{where}{exc.strerror or exc}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
