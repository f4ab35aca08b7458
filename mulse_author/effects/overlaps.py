"""Flattening overlapping segments of one effect at one location into a playable sequence.

A renderer drives one device per (effect type, location): it can run one wind (one flash,
one vibration...) effect there at a time, and SEM's on/off events cannot say which of two
overlapping segments an "off" ends.  Several scene labels map to the same effect (Thunder,
Gunshot and Explosion all give Flash + Vibration; signal-cue flashes coincide with gunshot
flashes), so analysis proposes such overlaps; :func:`flatten_overlaps` turns them into what
a renderer would play.

The rule, per key ``(effect, location)`` (the key the exporters check; ``location=None`` is
a key of its own):

1. Segments that overlap nothing (touching, ``end == next start``, is not overlapping) are
   returned unchanged — the same objects.
2. A cluster of segments that overlap (directly or through each other) is cut at every start
   and end inside it; on each piece of time the **strongest** segment active there wins:
   highest ``intensity``, tie -> higher ``confidence`` (``None``, an author's own segment,
   counts as 1), tie -> the author's work (manual > edited > suggested), tie -> the earlier
   start, tie -> the smaller id.
3. Winning pieces keep their own segment's fields (label, colour, scent, confidence, source,
   attrs); only the times change.
4. A piece shorter than ``min_piece_ms`` (default 40 ms, about one video frame) is absorbed
   into a touching piece of the same cluster that is not stronger than it (so no instant ever
   plays more than the strongest input there); with no such neighbour it stays.
5. Touching pieces of the same original segment are joined again.  The first piece of an
   original keeps its id; later pieces get new ids.

Properties (tested with hypothesis): the output has no overlaps on any key, covers exactly
the union of the inputs' time spans per key, never plays a higher intensity at any instant
than the strongest input there, and ``flatten_overlaps(flatten_overlaps(x)) == flatten_overlaps(x)``.
Inputs are never modified.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Hashable, Iterable

from ..document.keyframes import rebased
from ..document.model import Segment, Source, new_id

#: Pieces shorter than this (ms) are absorbed into a weaker-or-equal neighbour.
MIN_PIECE_MS = 40

_SOURCE_RANK = {Source.SUGGESTED: 0, Source.EDITED: 1, Source.MANUAL: 2}


def overlap_key(seg: Segment) -> tuple[str, str | None]:
    """The device a segment drives: (effect type, location)."""
    return seg.effect, seg.location


def strength(seg: Segment, order: int) -> tuple:
    """Sort key: larger wins (see rule 2 in the module docstring); ``order`` breaks the last tie."""
    conf = 1.0 if seg.confidence is None else float(seg.confidence)
    return (float(seg.intensity), conf, _SOURCE_RANK.get(seg.source, 0), -seg.start_ms, _neg_str(seg.id), -order)


def _neg_str(s: str) -> tuple:
    # "smaller id wins" inside a "larger wins" key
    return tuple(-ord(c) for c in s) + (1,)


def _clusters(segs: list[Segment]) -> list[list[Segment]]:
    """Groups of segments (of one key) connected by strict overlaps, in time order."""
    out: list[list[Segment]] = []
    end = None
    for s in sorted(segs, key=lambda s: (s.start_ms, s.end_ms)):
        if out and s.start_ms < end:
            out[-1].append(s)
            end = max(end, s.end_ms)
        else:
            out.append([s])
            end = s.end_ms
    return out


def _flatten_cluster(cluster: list[Segment], min_piece_ms: int) -> list[Segment]:
    ranks = {i: strength(s, i) for i, s in enumerate(cluster)}
    cuts = sorted({t for s in cluster for t in (s.start_ms, s.end_ms)})
    # pieces: [start, end, index of the winning original]
    pieces: list[list[int]] = []
    for a, b in zip(cuts, cuts[1:]):
        active = [i for i, s in enumerate(cluster) if s.start_ms <= a and b <= s.end_ms]
        if not active:  # cannot happen inside a cluster (its union is one interval); be safe
            continue
        win = max(active, key=ranks.__getitem__)
        if pieces and pieces[-1][1] == a and pieces[-1][2] == win:
            pieces[-1][1] = b
        else:
            pieces.append([a, b, win])

    # absorb short pieces into a touching, not-stronger neighbour; shortest first
    while True:
        best = None
        for k, (a, b, w) in enumerate(pieces):
            if b - a >= min_piece_ms:
                continue
            options = [n for n in (k - 1, k + 1) if 0 <= n < len(pieces)
                       and ((n < k and pieces[n][1] == a) or (n > k and pieces[n][0] == b))
                       and cluster[pieces[n][2]].intensity <= cluster[w].intensity]
            if options:
                # the strongest of the allowed neighbours changes the least
                n = max(options, key=lambda n: ranks[pieces[n][2]])
                if best is None or b - a < best[0]:
                    best = (b - a, k, n)
        if best is None:
            break
        _, k, n = best
        if n < k:
            pieces[n][1] = pieces[k][1]
        else:
            pieces[n][0] = pieces[k][0]
        del pieces[k]
        merged: list[list[int]] = []
        for p in pieces:  # rejoin touching pieces of one original
            if merged and merged[-1][1] == p[0] and merged[-1][2] == p[2]:
                merged[-1][1] = p[1]
            else:
                merged.append(p)
        pieces = merged

    out: list[Segment] = []
    seen: set[int] = set()
    for a, b, w in pieces:
        src = cluster[w]
        if a == src.start_ms and b == src.end_ms:
            out.append(src)
        else:
            out.append(replace(src, start_ms=a, end_ms=b, attrs=dict(src.attrs),
                               keyframes=rebased(src.keyframes, src.start_ms, a, b - a, src.intensity),
                               id=src.id if w not in seen else new_id()))
        seen.add(w)
    return out


def flatten_overlaps(segments: Iterable[Segment], min_piece_ms: int = MIN_PIECE_MS) -> list[Segment]:
    """Non-overlapping segments per (effect, location) playing what a renderer would play.

    See the module docstring for the rule.  Returns segments sorted by
    ``(start_ms, end_ms, effect, location)``; segments that overlap nothing are the input
    objects themselves, pieces are new objects.  ``min_piece_ms``: shortest piece (ms) kept
    when a weaker-or-equal neighbour can take it.
    """
    if min_piece_ms < 0:
        raise ValueError(f"min_piece_ms must be >= 0, got {min_piece_ms}")
    groups: dict[Hashable, list[Segment]] = {}
    for s in segments:
        groups.setdefault(overlap_key(s), []).append(s)
    out: list[Segment] = []
    for segs in groups.values():
        for cluster in _clusters(segs):
            out.extend(cluster if len(cluster) == 1 else _flatten_cluster(cluster, min_piece_ms))
    return sorted(out, key=lambda s: (s.start_ms, s.end_ms, s.effect, s.location or ""))


def count_changed(before: Iterable[Segment], after: Iterable[Segment]) -> int:
    """How many of ``before`` are not in ``after`` with the same id and times (cut, shortened
    or dropped by :func:`flatten_overlaps`)."""
    kept = {(s.id, s.start_ms, s.end_ms) for s in after}
    return sum((s.id, s.start_ms, s.end_ms) not in kept for s in before)


def has_overlaps(segments: Iterable[Segment]) -> bool:
    """True if two segments of one (effect, location) overlap (touching is fine)."""
    groups: dict[Hashable, list[Segment]] = {}
    for s in segments:
        groups.setdefault(overlap_key(s), []).append(s)
    return any(len(c) > 1 for segs in groups.values() for c in _clusters(segs))
