"""The ``mulse-author`` command line: analyze, demo, gui (+ export/validate from formats).

User errors (bad files, bad options) print one line on stderr and exit with status 2;
``--debug`` shows tracebacks instead.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .detect.summary import model_words
from .document import load_project, save_project
from .document.reanalysis import merge_reanalysis
from .effects.rules import load_rules
from .errors import DocumentError, MulseError
from .fileguard import OutputError, backup, check_input, check_output
from .formats import write_ncl, write_sem
from .formats.cli_commands import add_subcommands
from .labels import LABELS, label_index

#: Longest --hop (s): windows an hour apart already say nothing useful.
MAX_HOP_S = 3600.0
RESOURCES = Path(os.environ.get("MULSE_RESOURCES", Path(__file__).resolve().parents[1] / "resources"))
DEMO_VIDEO = RESOURCES / "demo" / "demo.mp4"


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
    from tqdm import tqdm  # lazy: only a shown progress bar needs it

    bar = tqdm(total=1000, file=sys.stderr, unit="‰", leave=False, dynamic_ncols=True,
               bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def update(fraction: float, message: str) -> None:
        bar.set_description_str(message, refresh=False)
        bar.update(max(0, int(fraction * 1000) - bar.n))

    return update, bar.close


def check_analysis_options(video: str, args) -> None:
    """Every option and input of an analysis, checked before any work is done."""
    if not (math.isfinite(args.hop) and 0 < args.hop <= MAX_HOP_S):
        raise MulseError(f"--hop must be a number of seconds in (0, {MAX_HOP_S:g}], got {args.hop}")
    parse_thresholds(args.threshold)
    check_input(video, "video or audio file")
    if args.rules is not None:
        check_input(args.rules, "effect rules file")
    if args.model is not None and not Path(args.model).exists():
        raise MulseError(f"{args.model}: model checkpoint not found")


def _run_analysis(video: str, args, quiet: bool):
    # lazy: the detection engine (numpy, PyAV, torch) loads only for an analysis, not for every command
    from .detect.analyze import analyze
    from .media.probe import probe

    check_analysis_options(video, args)
    default, per = parse_thresholds(args.threshold)
    # thresholds only: the rest of the segmentation is the one the model card was tuned with
    thresholds = {lab: default for lab in LABELS} if default is not None else {}
    thresholds.update(per)

    probe(video)  # a missing or unreadable file fails here, before the progress bar
    rules = load_rules(args.rules)
    model = args.model
    update, close = _progress_bar(not quiet and not args.no_progress)
    try:
        return analyze(video, model=model, hop_s=args.hop, thresholds=thresholds or None, rules=rules,
                       progress=update,
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
          f"{a['suggestions']['cues']} from signal cues; {model_words(a)}) in {a['timings_s']['total']:.1f} s "
          f"-> {out_path}")


class _ProjectOutput:
    """Where an analysis goes, checked before the analysis: a new file, or an existing project
    that the new suggestions are merged into (``--force``: replaced), a backup kept."""

    def __init__(self, path, inputs, force: bool, video: str):
        self.path, self.force, self.prior = Path(path), force, None
        exists = check_output(self.path, inputs=inputs, force=force, what="project")
        if exists and not force and not self.path.is_symlink() and self.path.stat().st_size:  # empty: nothing to keep
            try:
                self.prior = load_project(self.path)
            except DocumentError as exc:
                raise OutputError(f"{self.path}: exists and is not a project this version can merge into "
                                  f"({exc}); give --force to replace it "
                                  f"(a copy is kept as {self.path.name}.bak)") from None
            media = self.prior.media
            if media is not None and not _same_file(media.path, video):
                raise OutputError(f"{self.path}: is the project of another video ({media.path}); "
                                  "give --force to replace it, or choose another file")

    def save(self, doc, quiet: bool):
        """Write ``doc`` (merged into the existing project, if any); returns the saved document."""
        note = None
        if self.prior is not None:
            s = merge_reanalysis(self.prior, doc)
            note = (f"merged into the existing project: {s.kept} segment(s) of the author's kept, "
                    f"{s.replaced} old suggestion(s) replaced by {s.added} new one(s)"
                    + (f", {s.dropped} left out (they overlap the author's work or were rejected)"
                       if s.dropped else ""))
            doc = self.prior
        kept = backup(self.path)
        save_project(doc, self.path)
        if not quiet:
            if note:
                print(f"note: {note}", file=sys.stderr)
            if kept is not None:
                print(f"note: the previous file is kept as {kept}", file=sys.stderr)
        return doc


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def cmd_analyze(args) -> int:
    check_analysis_options(args.video, args)
    out = _ProjectOutput(args.output, [args.video, args.rules, args.model], args.force, args.video)
    doc = _run_analysis(args.video, args, args.quiet)
    doc = out.save(doc, args.quiet)
    if not args.quiet:
        _print_summary(doc, out.path)
    return 0


def cmd_demo(args) -> int:
    video = Path(args.video) if args.video else DEMO_VIDEO
    if not video.is_file():
        raise MulseError(f"{video}: demo video not found (run resources/demo/make_demo.py to build it)")
    out_dir = Path(args.output_dir)
    check_analysis_options(str(video), args)
    project = out_dir / "demo_project.json"
    out = _ProjectOutput(project, [video, args.rules, args.model], False, str(video))
    for name in ("demo.sem", "demo.ncl"):
        check_output(out_dir / name, inputs=[video, project], force=False)
    print(f"Analysing the demo video {video} ...")
    doc = _run_analysis(str(video), args, quiet=False)
    doc = out.save(doc, quiet=False)
    for w in doc.analysis.get("warnings", []):
        print(f"note: {w}")
    print()
    print(suggestions_table(doc))
    print()
    print(f"project: {project}")
    for name, writer in (("demo.sem", write_sem), ("demo.ncl", write_ncl)):
        target = out_dir / name
        backup(target)
        warnings = writer(doc, target)
        print(f"export: {target}")
        for w in warnings or []:
            print(f"  note: {w}")
    return 0


def cmd_gui(args) -> int:
    try:  # lazy: Qt loads only for the editor; missing system Qt libraries are reported, not raised
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
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "int8"), default="auto",
                   help="arithmetic of the audio encoder's convolutions: auto (default) uses int8 on "
                        "CPUs with int8 dot products (VNNI, no AMX), else bfloat16 where the CPU computes "
                        "it natively, else int8, else fp32 (each only when the model card validated it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mulse-author",
                                     description="Suggest timed sensory effects for a video; edit; "
                                                 "export NCL / MPEG-V SEM.")
    parser.add_argument("--version", action="version", version=f"mulse-author {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("analyze", help="analyse a video and write a project of suggested effects")
    p.add_argument("video", help="video or audio file")
    p.add_argument("-o", "--output", required=True, metavar="PROJECT", help="project file to write (.json)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--force", action="store_true",
                   help="replace an existing PROJECT instead of merging the new suggestions into it "
                        "(also a read-only file or a symlink); a copy of it is kept as PROJECT.bak")
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

    add_subcommands(sub)
    return parser


def _printable_names() -> None:
    """File names that are not UTF-8 (kept as surrogates by Python) print as ``\\xe9``, not as
    a UnicodeEncodeError after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: Sequence[str] | None = None) -> int:
    _printable_names()
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
