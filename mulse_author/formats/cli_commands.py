"""``mulse-author export`` and ``mulse-author validate`` (registered by ``mulse_author.cli``).

Exit status: 0 done / valid, 1 the file is invalid (messages name element and line),
2 usage, I/O or configuration error (e.g. a missing schema file; raised as
:class:`~mulse_author.errors.MulseError` and printed by the CLI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..document import load_project
from ..errors import FormatError, MulseError
from ..fileguard import guard_exports
from .export import export_document, targets
from .ncl_writer import PROFILES
from .schemas import ENV_VAR, SchemaConfigError, schema_dir
from .units import DEFAULT_TIME_SCALE
from .validate import validate


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export`` and ``validate`` to the ``mulse-author`` parser."""
    p = subparsers.add_parser("export", help="export a project as MPEG-V SEM and/or NCL")
    p.add_argument("project", help="Mulse Author project file (.json)")
    p.add_argument("--sem", metavar="OUT", help="write an MPEG-V SEM file (.sem / .xml)")
    p.add_argument("--ncl", metavar="OUT", help="write an NCL document (.ncl)")
    p.add_argument("--ncl-profile", choices=PROFILES, default="3.0",
                   help="3.0: standard NCL 3.0 (default); "
                        "4.0: the <effect> dialect of ginga-mulsemedia (not NCL 3.0-valid)")
    p.add_argument("--target", action="append", metavar="TARGET",
                   choices=sorted(set(targets("sem")) | set(targets("ncl"))),
                   help="player to write for (repeat for SEM and NCL): SEM mpegv (default, plain MPEG-V) or "
                        "playsem (PlaySEM SE Renderer); NCL ginga (default) or webncl (short effects lengthened "
                        "to what WebNCL can render). A report per file says what was adjusted and what will not play")
    p.add_argument("--approved-only", action="store_true", help="leave out suggestions the author has not approved")
    p.add_argument("--time-scale", type=int, default=DEFAULT_TIME_SCALE, metavar="TICKS",
                   help=f"SEM si:timeScale in ticks per second (default {DEFAULT_TIME_SCALE})")
    p.add_argument("--auto-light", action="store_true",
                   help='mark colourless light effects autoExtraction="visual" in SEM')
    p.add_argument("--resolve-overlaps", action="store_true",
                   help="flatten overlapping segments of one effect at one location (the strongest plays at "
                        "each instant) instead of refusing to export; says how many segments were cut")
    p.add_argument("--schema-dir", metavar="DIR", help=f"validate the written files against the XSDs in DIR "
                   f"(default: ${ENV_VAR} if set)")
    p.add_argument("--force", action="store_true", help="also replace a read-only file, a symlink or a "
                   "project (a copy of a replaced file is kept as OUT.bak)")
    p.set_defaults(func=export_main)

    p = subparsers.add_parser("validate", help="check an SEM or NCL file against the standard and our own rules")
    p.add_argument("file", help="SEM (.sem/.xml) or NCL (.ncl) file")
    p.add_argument("--schema-dir", metavar="DIR", help=f"folder with mpeg-v/ and ncl30/ XSDs (default: ${ENV_VAR})")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.set_defaults(func=validate_main)


def _print_issues(name: str, issues, quiet: bool = False) -> int:
    errors = [i for i in issues if i.is_error]
    for i in issues:
        if quiet and not i.is_error:
            continue
        print(f"{name}: {i}", file=sys.stdout if i.is_error else sys.stderr)
    return len(errors)


def _targets(chosen: list[str] | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {"sem": None, "ncl": None}
    for t in chosen or []:
        kind = "sem" if t in targets("sem") else "ncl"
        if out[kind] not in (None, t):
            raise MulseError(f"export: two {kind.upper()} targets given ({out[kind]}, {t}); give one per format")
        out[kind] = t
    return out


def export_main(args: argparse.Namespace) -> int:
    if not args.sem and not args.ncl:
        raise MulseError("export: give --sem OUT and/or --ncl OUT")
    chosen = _targets(args.target)
    for kind in ("sem", "ncl"):
        if chosen[kind] and not getattr(args, kind):
            raise MulseError(f"export: --target {chosen[kind]} is a {kind.upper()} target; give --{kind} OUT too")

    doc = load_project(args.project)
    for kept in guard_exports([args.sem, args.ncl], [args.project], args.force):  # before anything is written
        print(f"note: the previous file is kept as {kept}", file=sys.stderr)
    for w in doc.load_warnings:
        print(f"{args.project}: warning: {w}", file=sys.stderr)
    directory = schema_dir(args.schema_dir)
    invalid = 0
    reports = []
    common = dict(approved_only=args.approved_only, resolve_overlaps=args.resolve_overlaps)
    if args.sem:
        reports.append(export_document(doc, args.sem, "sem", target=chosen["sem"], time_scale=args.time_scale,
                                       auto_extraction=args.auto_light, **common))
    if args.ncl:
        reports.append(export_document(doc, args.ncl, "ncl", target=chosen["ncl"], ncl_profile=args.ncl_profile,
                                       **common))
    for report in reports:
        out = report.path
        for w in report.warnings:
            print(f"{out}: warning: {w}", file=sys.stderr)
        if directory is not None:
            issues = validate(out, directory)
            if report.kind == "ncl" and report.profile == "4.0":
                issues = [i for i in issues if "NCL 4.0" not in i.message]
            invalid += _print_issues(out, issues)
        print(f"wrote {out}")
        for line in report.lines()[1:]:
            print(line)
    return 1 if invalid else 0


def validate_main(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise FormatError(f"{path}: file not found" if not path.exists() else f"{path}: not a file")
    directory = schema_dir(args.schema_dir)
    try:
        issues = validate(path, directory)
    except SchemaConfigError:
        raise  # configuration, not the file: exit 2
    except FormatError as exc:  # readable, but not well-formed / not SEM or NCL / hostile: invalid
        print(f"error: {exc}")
        return 1
    n = _print_issues(str(path), issues, args.quiet)
    if n:
        print(f"{path}: INVALID ({n} error(s))")
        return 1
    print(f"{path}: valid" + ("" if directory else " (XSD check skipped: no schema directory)"))
    return 0
