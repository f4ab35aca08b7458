"""AudioSet subset builder for the seven scene labels (the seed paper's two-step procedure).

Segment CSVs come in two header styles, both read by :func:`read_segments`:

* official files: three ``#`` comment lines, then rows like
  ``-0RWZT-miFs, 420.000, 430.000, "/m/03v3yw,/m/0k4j"`` (spaces after commas);
* the plain-CSV form (e.g. ``../shared/audioset/eval_segments.csv``): a header row
  ``YTID,start_seconds,end_seconds,positive_labels`` and no spaces.

The label list is one quoted, comma-separated field in both.

Label evidence
    AudioSet does not propagate labels up its ontology: a clip tagged "Rain on surface" is
    not tagged "Rain". By default only the seven MIDs of ``mulse_author.labels.AUDIOSET_MIDS``
    count. With ``children=True`` every descendant in ``ontology.json`` (``child_ids``,
    recursively) counts as evidence for its *nearest* ancestor among the seven, so "Waves, surf"
    -> Ocean, "Crackle" -> Fire, "Machine gun" -> Gunshot, "Fireworks" -> Explosion. The walk
    stops at another of the seven labels: "Gunshot, gunfire" sits under "Explosion" in the
    ontology but the paper treats them as separate classes, so a gunshot clip is not labelled
    Explosion (and "Machine gun" is Gunshot only).

Selection (the paper's two-step procedure, as we read it)
    1. keep every segment that carries at least one of the seven labels (with the evidence
       above) — on ``eval_segments.csv`` this gives the paper's 576 evaluation clips and on
       ``balanced_train_segments.csv`` its 582 balanced-train clips;
    2. cap each label at ``cap`` clips (default 2000): labels are visited in model order
       (Wind, Thunder, Rain, Ocean, Fire, Explosion, Gunshot; ``order="rarest"`` visits the
       rarest first instead); for each, candidate clips (file order, or shuffled with ``seed``)
       are added until the label's count *in the selection so far* reaches the cap. Clips
       chosen for one label also count for the other labels they carry, so a label visited
       early can end above the cap through clips chosen for later labels, while the last one
       stops exactly at it; labels with fewer candidates than the cap keep them all.
       The paper's shared 2000-max unbalanced subset fits this pattern in model order: Wind
       2691, Thunder 1163 (all), Rain 2324, Ocean 2000, Fire 1322 (all), Explosion 2009,
       Gunshot 2000 (we cannot re-run it: the full unbalanced list is not in ``../shared``).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mulse_author.errors import FormatError
from mulse_author.labels import AUDIOSET_MIDS, LABELS
from training.datasets.recordings import Recording, parse_labels

DEFAULT_CAP = 2000  # clips per label, as in the paper

#: Columns of an AudioSet manifest: the :func:`training.datasets.local.read_manifest` columns
#: (``path`` is where the downloader puts the exact 10 s cut, relative to the manifest) plus
#: the YouTube segment the downloader fetches.
MANIFEST_COLUMNS = ("path", "labels", "start_s", "end_s", "source", "ytid", "segment_start_s",
                    "segment_end_s", "mids")


@dataclass(frozen=True)
class Segment:
    """One AudioSet row: YouTube id, segment start/end in seconds, positive label MIDs."""

    ytid: str
    start_s: float
    end_s: float
    mids: tuple[str, ...]

    @property
    def clip_name(self) -> str:
        """File stem of the downloaded cut: ``<ytid>_<start in ms>`` (unique per segment)."""
        return f"{self.ytid}_{int(round(self.start_s * 1000))}"


def read_segments(path) -> list[Segment]:
    """Rows of an AudioSet segment CSV in either header style (see the module docstring).

    Raises :class:`FormatError` naming the file and line for a malformed row.
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"AudioSet segment file not found: {path}")
    out: list[Segment] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        for row in reader:
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            if row[0].strip() == "YTID":  # plain-CSV header row
                continue
            where = f"{path}:{reader.line_num}"
            if len(row) != 4:
                raise FormatError(f"{where}: expected 4 fields (YTID, start_seconds, "
                                  f"end_seconds, positive_labels), got {len(row)}")
            try:
                start, end = float(row[1]), float(row[2])
            except ValueError:
                raise FormatError(f"{where}: start/end {row[1]!r}, {row[2]!r} are not "
                                  f"numbers") from None
            if end <= start:
                raise FormatError(f"{where}: end {end} is not after start {start}")
            mids = tuple(m.strip() for m in row[3].split(",") if m.strip())
            out.append(Segment(row[0].strip(), start, end, mids))
    return out


def load_ontology(path) -> dict[str, dict]:
    """``{mid: entry}`` from AudioSet's ``ontology.json`` (a JSON list of objects with ``id``,
    ``name``, ``child_ids``). Raises :class:`FormatError` for a missing or malformed file."""
    path = Path(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"ontology file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) and "id" in e for e in data):
        raise FormatError(f"{path}: expected a list of ontology entries with 'id' fields")
    return {e["id"]: e for e in data}


def label_evidence(ontology: Mapping[str, dict] | None = None,
                   children: bool = False) -> dict[str, frozenset[str]]:
    """``{mid: labels it is evidence for}``; see "Label evidence" in the module docstring."""
    own = {mid: lab for lab, mid in AUDIOSET_MIDS.items()}
    evidence: dict[str, set[str]] = {mid: {lab} for mid, lab in own.items()}
    if not children:
        return {m: frozenset(v) for m, v in evidence.items()}
    if ontology is None:
        raise FormatError("children=True needs the AudioSet ontology (ontology.json)")
    missing = [mid for mid in own if mid not in ontology]
    if missing:
        raise FormatError(f"ontology lacks the label MIDs {missing}")
    for lab, mid in AUDIOSET_MIDS.items():
        stack, seen = list(ontology[mid].get("child_ids", ())), set()
        while stack:
            child = stack.pop()
            if child in seen or child in own:  # stop at another of the seven labels
                continue
            seen.add(child)
            evidence.setdefault(child, set()).add(lab)
            stack.extend(ontology.get(child, {}).get("child_ids", ()))
    return {m: frozenset(v) for m, v in evidence.items()}


def segment_labels(segment: Segment, evidence: Mapping[str, frozenset[str]]) -> tuple[str, ...]:
    """The seven-label set of a segment, in model order."""
    labs: set[str] = set()
    for mid in segment.mids:
        labs |= evidence.get(mid, frozenset())
    return tuple(lab for lab in LABELS if lab in labs)


def select_segments(segments: Sequence[Segment], evidence: Mapping[str, frozenset[str]],
                    cap: int | None = DEFAULT_CAP, seed: int | None = None,
                    order: str = "model") -> list[tuple[Segment, tuple[str, ...]]]:
    """The two-step selection of the module docstring: ``[(segment, labels)]`` in file order.

    cap: clips per label (None = no cap: step 1 only). seed: None keeps file order as the
    candidate order, an int shuffles candidates reproducibly. order: ``"model"`` (labels in
    ``LABELS`` order) or ``"rarest"`` (fewest candidates first).
    """
    labelled = []
    for seg in segments:
        labs = segment_labels(seg, evidence)
        if labs:
            labelled.append((seg, labs))
    if cap is None:
        return labelled
    if cap < 0:
        raise FormatError(f"cap must be >= 0, got {cap}")
    ranks = list(range(len(labelled)))
    if seed is not None:
        random.Random(seed).shuffle(ranks)
    candidates = {lab: [i for i in ranks if lab in labelled[i][1]] for lab in LABELS}
    chosen: set[int] = set()
    count = {lab: 0 for lab in LABELS}
    if order == "model":
        visit = list(LABELS)
    elif order == "rarest":
        visit = sorted(LABELS, key=lambda lab: (len(candidates[lab]), LABELS.index(lab)))
    else:
        raise FormatError(f"order must be 'model' or 'rarest', got {order!r}")
    for lab in visit:
        for i in candidates[lab]:
            if count[lab] >= cap:
                break
            if i in chosen:
                continue
            chosen.add(i)
            for other in labelled[i][1]:
                count[other] += 1
    return [labelled[i] for i in sorted(chosen)]


def label_counts(selected: Iterable[tuple[Segment, tuple[str, ...]]]) -> dict[str, int]:
    """``{label: clips carrying it}`` plus ``"clips"`` (distinct segments)."""
    counts = {lab: 0 for lab in LABELS}
    n = 0
    for _, labs in selected:
        n += 1
        for lab in labs:
            counts[lab] += 1
    return counts | {"clips": n}


def to_recordings(selected: Iterable[tuple[Segment, tuple[str, ...]]], clip_dir: str = "clips",
                  ext: str = ".mp4") -> list[Recording]:
    """Recordings for the downloaded cuts (``<clip_dir>/<ytid>_<start ms><ext>``), split unit =
    the YouTube video (two segments of one video never straddle splits)."""
    return [Recording(f"{clip_dir}/{seg.clip_name}{ext}", labs, seg.ytid, duration_s=None)
            for seg, labs in selected]


def write_manifest(selected: Sequence[tuple[Segment, tuple[str, ...]]], path, clip_dir="clips",
                   ext: str = ".mp4") -> Path:
    """Write the AudioSet manifest (:data:`MANIFEST_COLUMNS`); :func:`read_manifest` of
    ``training.datasets.local`` reads it as recordings once the clips are downloaded, and
    :func:`read_audioset_manifest` gives the segments back to the downloader."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(MANIFEST_COLUMNS)
        for seg, labs in selected:
            w.writerow([f"{clip_dir}/{seg.clip_name}{ext}", ";".join(labs), "", "", seg.ytid,
                        seg.ytid, f"{seg.start_s:.3f}", f"{seg.end_s:.3f}", ",".join(seg.mids)])
    tmp.replace(path)
    return path


def read_audioset_manifest(path) -> list[tuple[Segment, str, tuple[str, ...]]]:
    """``[(segment, clip path relative to the manifest, labels)]`` from :func:`write_manifest`."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"manifest not found: {path}")
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"path", "ytid", "segment_start_s", "segment_end_s"}
        if not need <= set(reader.fieldnames or ()):
            raise FormatError(f"{path}: not an AudioSet manifest (needs columns {sorted(need)})")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            try:
                seg = Segment(row["ytid"].strip(), float(row["segment_start_s"]),
                              float(row["segment_end_s"]),
                              tuple(m for m in (row.get("mids") or "").split(",") if m))
                labels = parse_labels(row.get("labels") or "")
            except (ValueError, FormatError) as exc:
                raise FormatError(f"{where}: {exc}") from None
            if not seg.ytid or seg.end_s <= seg.start_s:
                raise FormatError(f"{where}: bad YouTube id or segment times")
            out.append((seg, row["path"].strip(), labels))
    return out
