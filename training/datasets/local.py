"""Local datasets: a folder tree ``ROOT/<label>/<file>`` and a CSV manifest.

Folder form
    ``ROOT/<label>/<file>``; label folder names are case-insensitive (``rain``, ``Rain``); a
    folder named ``background`` or ``none`` holds unlabelled material. Files may be any audio or
    video format PyAV reads. ``source`` is the package prefix before ``__`` in the file name
    when there is one (``get_scene_audio.sh`` names files ``<package>__<path>``), else the file
    stem, so the split never separates files of one package.

Manifest form (CSV, header required)
    ``path,labels,start_s,end_s,source`` — ``labels`` is ``;``-separated (``"Rain;Thunder"``,
    empty or ``background`` for none), ``start_s``/``end_s`` optional seconds, ``source``
    optional (defaults as in the folder form). Relative paths are resolved against the CSV's
    folder. Extra columns (e.g. ``duration_s``) are allowed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mulse_author.errors import FormatError, MediaError
from training.datasets.audio import probe_duration
from training.datasets.recordings import BACKGROUND_NAMES, Recording, canonical_label, parse_labels

#: Extensions accepted without probing; other files are probed with PyAV and kept if they
#: hold an audio stream (so any format PyAV reads works).
MEDIA_EXTENSIONS = frozenset(
    ".wav .flac .ogg .oga .opus .mp3 .m4a .aac .wma .aif .aiff .au .mka .mp4 .m4v .mkv .webm "
    ".avi .mov .mpg .mpeg .ts .wv .ape .spx .caf .3gp".split())
#: Extensions that are never media (licence texts, manifests...), skipped without probing.
NON_MEDIA_EXTENSIONS = frozenset(".txt .md .csv .tsv .json .xml .html .pdf .py .sh .npy".split())

MANIFEST_COLUMNS = ("path", "labels", "start_s", "end_s", "source")


def source_of(path) -> str:
    """Split unit of a file: ``"0ad-data"`` for ``0ad-data__audio_rain.ogg``, else the stem."""
    name = Path(path).name
    if "__" in name:
        prefix = name.split("__", 1)[0]
        if prefix:
            return prefix
    return Path(path).stem


def _is_media(path: Path) -> bool:
    if path.name.startswith("."):  # hidden files (editor, OS metadata)
        return False
    ext = path.suffix.lower()
    if ext in MEDIA_EXTENSIONS:
        return True
    if ext in NON_MEDIA_EXTENSIONS:
        return False
    try:
        probe_duration(path)
    except MediaError:
        return False
    return True


def scan_folder(root, probe: bool = True) -> list[Recording]:
    """Recordings of ``ROOT/<label>/<file>`` (files in nested sub-folders count too).

    probe: read each file's duration with PyAV into ``duration_s`` (a header read, cheap);
    a file PyAV cannot open raises :class:`MediaError` naming it.
    Raises :class:`FormatError` when ``root`` is missing or a folder is not a known label.
    """
    root = Path(root)
    if not root.is_dir():
        raise FormatError(f"dataset folder not found: {root}")
    recordings: list[Recording] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name.strip().lower() in BACKGROUND_NAMES:
            labels: tuple[str, ...] = ()
        else:
            try:
                labels = (canonical_label(folder.name),)
            except FormatError as exc:
                raise FormatError(f"{folder}: folder name is not a label ({exc})") from None
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if not _is_media(path):
                continue
            duration = probe_duration(path) if probe else None
            recordings.append(Recording(path=str(path), labels=labels, source=source_of(path),
                                        duration_s=duration))
    return recordings


def _float_or_none(value: str | None, where: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise FormatError(f"{where}: {value!r} is not a number of seconds") from None


def read_manifest(csv_path) -> list[Recording]:
    """Recordings listed in a manifest CSV (columns ``path,labels,start_s,end_s,source``).

    Only ``path`` and ``labels`` are required. Relative paths resolve against the CSV's folder.
    Raises :class:`FormatError` naming the file and line for a bad row.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FormatError(f"manifest not found: {csv_path}")
    base = csv_path.parent
    out: list[Recording] = []
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"path", "labels"} - set(reader.fieldnames or ())
        if missing:
            raise FormatError(f"{csv_path}: manifest lacks column(s) {sorted(missing)}; "
                              f"expected header {','.join(MANIFEST_COLUMNS)}")
        for row in reader:
            where = f"{csv_path}:{reader.line_num}"
            if not (row.get("path") or "").strip():
                raise FormatError(f"{where}: empty path")
            path = Path(row["path"].strip())
            if not path.is_absolute():
                path = base / path
            try:
                labels = parse_labels(row.get("labels") or "")
                out.append(Recording(
                    path=str(path), labels=labels,
                    source=(row.get("source") or "").strip() or source_of(path),
                    start_s=_float_or_none(row.get("start_s"), where),
                    end_s=_float_or_none(row.get("end_s"), where),
                    duration_s=_float_or_none(row.get("duration_s"), where)))
            except FormatError as exc:
                raise FormatError(f"{where}: {exc}") from None
    return out


def write_manifest(recordings, csv_path, relative_to=None) -> Path:
    """Write recordings as a manifest CSV that :func:`read_manifest` reads back.

    relative_to: write paths relative to this folder (default: the CSV's folder when the
    file lies under it, else absolute).
    """
    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    base = Path(relative_to) if relative_to is not None else csv_path.parent
    tmp = csv_path.with_name(csv_path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MANIFEST_COLUMNS + ("duration_s",))
        for rec in recordings:
            path = Path(rec.path)
            try:
                shown = path.resolve().relative_to(base.resolve())
            except ValueError:
                shown = path.resolve()
            writer.writerow([str(shown), ";".join(rec.labels),
                             "" if rec.start_s is None else f"{rec.start_s:.3f}",
                             "" if rec.end_s is None else f"{rec.end_s:.3f}", rec.source,
                             "" if rec.duration_s is None else f"{rec.duration_s:.3f}"])
    tmp.replace(csv_path)  # atomic: a reader never sees half a manifest
    return csv_path
