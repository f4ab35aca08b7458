"""Train / validation / test splits by source (recording, video, package), never by window.

Every recording of one group (``Recording.source`` by default) lands in the same split, so
no validation or test clip shares a recording with training. Within that constraint the
assignment is stratified greedily so that each label appears in each split where the number
of groups carrying it allows:

1. groups are taken rarest-label first (a group's rarity = the fewest groups carrying any of
   its labels), larger groups first among equals, ties shuffled by ``seed``;
2. a group goes to the split that has none of its labels yet (when its fraction > 0) or
   else to the split with the largest relative deficit of its labels
   (``(target - have) / target`` with ``target = fraction * recordings of that label``);
   unlabelled groups use the deficit of recording counts.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS
from training.datasets.recordings import Recording

DEFAULT_FRACTIONS: dict[str, float] = {"train": 0.7, "val": 0.15, "test": 0.15}
_UNLABELLED = "__unlabelled__"


def _key_func(key) -> Callable[[Recording], str]:
    if callable(key):
        return key
    return lambda rec: str(getattr(rec, key))


def split_by_source(recordings: Iterable[Recording],
                    fractions: Mapping[str, float] | None = None,
                    seed: int = 0) -> dict[str, list[Recording]]:
    """``{split: [recordings]}`` with no ``source`` in two splits (see the module docstring)."""
    return split_by_group(recordings, key="source", fractions=fractions or DEFAULT_FRACTIONS,
                          seed=seed)


def split_by_group(recordings: Iterable[Recording], key: str | Callable = "source",
                   fractions: Mapping[str, float] | None = None, seed: int = 0,
                   assign: Mapping[str, str] | None = None,
                   default: str = "train") -> dict[str, list[Recording]]:
    """Split by the group ``key`` gives (an attribute name or ``Recording -> str``).

    assign: fixed ``{group: split}`` placements (package-level holdouts, e.g.
    ``{"0ad-data": "val"}``); the other groups are distributed by ``fractions`` with the
    greedy of the module docstring, or all go to ``default`` when ``fractions`` is None and
    ``assign`` is given. Fixed placements count towards the targets.
    Returns every split named in ``fractions`` / ``assign`` (possibly empty), recordings kept
    in input order within each split.
    """
    recordings = list(recordings)
    keyf = _key_func(key)
    if fractions is None and assign is None:
        fractions = DEFAULT_FRACTIONS
    fractions = dict(fractions or {})
    if any(f < 0 for f in fractions.values()) or (fractions and sum(fractions.values()) <= 0):
        raise FormatError(f"split fractions must be >= 0 with a positive sum, got {fractions}")
    total_frac = sum(fractions.values()) or 1.0
    fractions = {k: v / total_frac for k, v in fractions.items()}

    groups: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(recordings):
        groups[keyf(rec)].append(i)

    names = list(fractions) + [s for s in (assign or {}).values() if s not in fractions]
    if not fractions and default not in names:
        names.append(default)
    placed: dict[str, str] = {}

    def labels_of(group: str) -> list[str]:
        labs = {lab for i in groups[group] for lab in recordings[i].labels}
        return sorted(labs) or [_UNLABELLED]

    label_total: dict[str, int] = defaultdict(int)
    groups_with: dict[str, int] = defaultdict(int)
    for g in groups:
        for lab in labels_of(g):
            groups_with[lab] += 1
        for i in groups[g]:
            for lab in recordings[i].labels or (_UNLABELLED,):
                label_total[lab] += 1
    have = {s: defaultdict(int) for s in names}

    def place(group: str, split: str) -> None:
        placed[group] = split
        for i in groups[group]:
            for lab in recordings[i].labels or (_UNLABELLED,):
                have[split][lab] += 1

    for group, split in (assign or {}).items():
        if group in groups:
            place(group, split)

    rest = [g for g in groups if g not in placed]
    if not fractions:
        for g in rest:
            place(g, default)
    else:
        rng = random.Random(seed)
        rng.shuffle(rest)
        rest.sort(key=lambda g: (min(groups_with[lab] for lab in labels_of(g)), -len(groups[g])))
        live = [s for s in fractions if fractions[s] > 0]
        for g in rest:
            labs = labels_of(g)

            def score(split: str) -> tuple[int, float]:
                missing = any(have[split][lab] == 0 for lab in labs)
                deficit = 0.0
                for lab in labs:
                    target = fractions[split] * label_total[lab]
                    deficit += (target - have[split][lab]) / max(target, 1e-9)
                return (int(missing), deficit / len(labs))

            place(g, max(live, key=score))

    out: dict[str, list[Recording]] = {s: [] for s in names}
    for i, rec in enumerate(recordings):
        out[placed[keyf(rec)]].append(rec)
    return out


def label_counts(splits: Mapping[str, list[Recording]]) -> dict[str, dict[str, int]]:
    """``{split: {label: recordings}}`` (``"background"`` counts unlabelled ones), for reports."""
    table: dict[str, dict[str, int]] = {}
    for split, recs in splits.items():
        row = {lab: 0 for lab in LABELS} | {"background": 0}
        for rec in recs:
            for lab in rec.labels or ("background",):
                row[lab] += 1
        table[split] = row
    return table


def check_disjoint(splits: Mapping[str, list[Recording]], key: str | Callable = "source") -> None:
    """Raise :class:`FormatError` if one group appears in two splits."""
    keyf = _key_func(key)
    seen: dict[str, str] = {}
    for split, recs in splits.items():
        for rec in recs:
            g = keyf(rec)
            if seen.setdefault(g, split) != split:
                raise FormatError(f"group {g!r} is in both {seen[g]!r} and {split!r}")
