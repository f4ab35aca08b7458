"""Event-based scoring of detected segments against reference events, in the manner of
sed_eval's event-based metrics: one-to-one matching per label with a time collar.

A reference event ``(label, onset_s, offset_s)`` and a detected segment of the same label
match when they overlap once the reference is widened by :data:`COLLAR_S` on each side; each
segment and each event is matched at most once (greedy, by largest overlap).  Unmatched
segments are false alarms; a matched segment of another label that overlaps an event is
counted in the confusion table instead of only as a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mulse_author.labels import LABELS

#: Tolerance (s) around each reference event for a detection to match it.
COLLAR_S = 1.0


@dataclass(frozen=True)
class Event:
    label: str
    onset_s: float
    offset_s: float


def join_overlapping(events: list[Event]) -> list[Event]:
    """Overlapping (or touching) spans of one label joined into one event, labels in model order."""
    out: list[Event] = []
    for lab in LABELS:
        for a, b in sorted((e.onset_s, e.offset_s) for e in events if e.label == lab):
            if out and out[-1].label == lab and a <= out[-1].offset_s:
                out[-1] = Event(lab, out[-1].onset_s, max(out[-1].offset_s, b))
            else:
                out.append(Event(lab, a, b))
    return out


def _overlap(a0, a1, b0, b1) -> float:
    return min(a1, b1) - max(a0, b0)


def match_events(reference: list[Event], detected: list[Event], collar_s: float = COLLAR_S) -> dict:
    """Counts per label: ``true``, ``hits``, ``predicted``, ``false_alarms``, onset / offset
    errors (s) of the matched pairs, and ``confusion[ref_label][detected_label]`` for
    unmatched detections overlapping a reference event of another label;
    ``false_alarm_indices``: the unmatched detections (indices into ``detected``)."""
    per = {lab: {"true": 0, "hits": 0, "predicted": 0, "false_alarms": 0, "onset_err": [], "offset_err": []}
           for lab in LABELS}
    confusion = {a: {b: 0 for b in LABELS} for a in LABELS}
    used_ref: set[int] = set()
    used_det: set[int] = set()
    pairs = []
    for i, r in enumerate(reference):
        for j, d in enumerate(detected):
            if d.label == r.label:
                ov = _overlap(r.onset_s - collar_s, r.offset_s + collar_s, d.onset_s, d.offset_s)
                if ov > 0:
                    pairs.append((ov, i, j))
    for ov, i, j in sorted(pairs, reverse=True):
        if i in used_ref or j in used_det:
            continue
        used_ref.add(i)
        used_det.add(j)
        r, d = reference[i], detected[j]
        p = per[r.label]
        p["hits"] += 1
        p["onset_err"].append(abs(d.onset_s - r.onset_s))
        p["offset_err"].append(abs(d.offset_s - r.offset_s))
    for r in reference:
        per[r.label]["true"] += 1
    for j, d in enumerate(detected):
        per[d.label]["predicted"] += 1
        if j in used_det:
            continue
        per[d.label]["false_alarms"] += 1
        for r in reference:
            if r.label != d.label and _overlap(r.onset_s, r.offset_s, d.onset_s, d.offset_s) > 0:
                confusion[r.label][d.label] += 1
                break
    return {"per_label": per, "confusion": confusion,
            "false_alarm_indices": [j for j in range(len(detected)) if j not in used_det]}


def merge_counts(results: list[dict]) -> dict:
    """Sum several :func:`match_events` results (e.g. one per timeline)."""
    per = {lab: {"true": 0, "hits": 0, "predicted": 0, "false_alarms": 0, "onset_err": [], "offset_err": []}
           for lab in LABELS}
    confusion = {a: {b: 0 for b in LABELS} for a in LABELS}
    for res in results:
        for lab in LABELS:
            for k, v in res["per_label"][lab].items():
                per[lab][k] = per[lab][k] + v
            for b in LABELS:
                confusion[lab][b] += res["confusion"][lab][b]
    return {"per_label": per, "confusion": confusion}


def event_figures(counts: dict, hours: float) -> dict:
    """Precision, recall, F1, false alarms per hour and median onset / offset errors (s),
    overall and per label."""
    def fig(p):
        prec = p["hits"] / p["predicted"] if p["predicted"] else None
        rec = p["hits"] / p["true"] if p["true"] else None
        f1 = (2 * prec * rec / (prec + rec) if prec and rec else 0.0) if prec is not None and rec is not None else None
        return {"true": p["true"], "predicted": p["predicted"], "hits": p["hits"], "precision": prec,
                "recall": rec, "f1": f1, "false_alarms": p["false_alarms"],
                "false_alarms_per_hour": p["false_alarms"] / hours if hours > 0 else None,
                "median_onset_error_s": float(np.median(p["onset_err"])) if p["onset_err"] else None,
                "median_offset_error_s": float(np.median(p["offset_err"])) if p["offset_err"] else None}
    per = counts["per_label"]
    total = {k: sum((per[lab][k] for lab in LABELS), [] if isinstance(per[LABELS[0]][k], list) else 0)
             for k in per[LABELS[0]]}
    return {"overall": fig(total), "per_label": {lab: fig(per[lab]) for lab in LABELS},
            "confusion": counts["confusion"]}
