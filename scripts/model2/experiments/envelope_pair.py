"""Explosion or gunshot, told by the event's loudness shape (cross-validation only).

    python scripts/model2/experiments/envelope_pair.py --work WORK --select select29 --floors fmaps_noisy
        [--settings trained/model_card.json] [--c 1.0]

Most false alarms on the cross-validation timelines are an explosion suggested as a gunshot or the
reverse (``false_alarms.py``). The evidence tried so far describes the 7.8 s region (embeddings,
region log-mel statistics: ``pair_head.py``, +0.007-0.008). Here a verifier sees the suggested
event itself, through the loudness envelope the app already computes (mean square per 512-sample
block, 23 ms): how far its loudest block stands over the bed around it, how fast it decays to -10
and -20 dB, how fast it rises, how many transients it holds per second and how long the suggestion
is, beside the main head's best score of each label over the covering regions. A logistic
regression per fold, trained on the other folds' Explosion / Gunshot suggestions whose truth is one
of the two (timelines: the suggestion overlaps true events of exactly one; recordings alone and
over noise floors: the recording's label), then

* V1: of an overlapping Explosion / Gunshot pair (overlap >= 0.5 of the shorter) it drops the
  member whose label it finds less likely;
* V2: every Explosion / Gunshot suggestion takes the label it finds likelier (then joined).

Nested: off / V1 / V2 chosen for each fold on the other three folds (their verifiers trained
without the held fold as well), applied to it, pooled. Settings and thresholds: the shipped card's
(``--settings``) and then the candidate's own selection. Not part of the build; nothing here reads
held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import exclusive  # noqa: E402
import per_label  # noqa: E402  (stage 3b's folds and caches, and the segments hook)

from mulse_author.detect.inference import region_spans  # noqa: E402
from mulse_author.detect.loudness import LoudnessTrack  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.media import load_audio  # noqa: E402
from mulse_author.spec import HOP, SAMPLE_RATE  # noqa: E402
from training import tuning  # noqa: E402
from training.events import Event, join_overlapping  # noqa: E402

EXP, GUN = LABELS.index("Explosion"), LABELS.index("Gunshot")
GROUP = exclusive.GROUP
BLOCK_S = HOP / SAMPLE_RATE  #: seconds per envelope block
FEATURES = ("prominence_db", "decay10_s", "decay20_s", "attack_s", "peaks_per_s", "log_length",
            "tail_ratio_db", "head_explosion", "head_gunshot")


def _first(mask: np.ndarray) -> int:
    """Index of the first True of ``mask``, or its length."""
    i = np.flatnonzero(mask)
    return int(i[0]) if len(i) else len(mask)


def envelope_features(env: np.ndarray, onset_s: float, offset_s: float) -> np.ndarray:
    """The loudness shape of the suggestion ``[onset_s, offset_s)`` on a track's envelope (mean
    square per block): :data:`FEATURES` less the two head scores (times in seconds, levels in dB)."""
    db = 10 * np.log10(np.asarray(env, np.float64) + 1e-10)
    n = len(db)
    a = max(0, int((onset_s - 0.25) / BLOCK_S))
    b = min(n, max(a + 1, int(np.ceil((offset_s + 0.25) / BLOCK_S))))
    if a >= n:
        return np.zeros(len(FEATURES) - 2)
    p = a + int(np.argmax(db[a:b]))
    peak = db[p]
    around = np.concatenate([db[max(0, a - int(5 / BLOCK_S)):a], db[b:b + int(5 / BLOCK_S)]])
    bed = float(np.median(around)) if len(around) else float(np.percentile(db, 10))
    after = db[p: p + int(4 / BLOCK_S)]
    decay10 = _first(after < max(peak - 10, bed + 3)) * BLOCK_S
    decay20 = _first(after < max(peak - 20, bed + 3)) * BLOCK_S
    before = db[max(0, p - int(2 / BLOCK_S)): p + 1][::-1]
    attack = _first(before < max(peak - 10, bed + 3)) * BLOCK_S
    seg = db[a:b]
    gap = 4  # blocks (93 ms) between counted transients
    peaks = [i for i in range(len(seg)) if seg[i] >= peak - 8 and seg[i] == seg[max(0, i - gap): i + gap + 1].max()]
    power = 10 ** (db[p: p + int(3 / BLOCK_S)] / 10)
    k = int(0.5 / BLOCK_S)
    tail = 10 * np.log10((power[k:].sum() + 1e-10) / (power[:k].sum() + 1e-10))
    return np.array([peak - bed, decay10, decay20, attack, len(peaks) / ((b - a) * BLOCK_S),
                     np.log(max(offset_s - onset_s, 0.05)), tail])


def head_features(track, ev) -> np.ndarray:
    """The main head's best Explosion and Gunshot scores over the regions covering ``ev``."""
    starts, lengths = region_spans(track.q, track.duration_s, track.pool_frames)
    m = (starts < ev.offset_s) & (starts + lengths > ev.onset_s)
    if not m.any():
        return np.zeros(2)
    return np.array([track.scores[m, EXP].max(), track.scores[m, GUN].max()])


def features(track, env: np.ndarray, ev) -> np.ndarray:
    return np.concatenate([envelope_features(env, ev.onset_s, ev.offset_s), head_features(track, ev)])


def truth_of(track, ev) -> str | None:
    """Explosion or Gunshot when the suggestion's truth is exactly one of them, else None."""
    if track.events is None:
        return track.label if track.label in GROUP else None
    hit = {e.label for e in track.events if e.label in GROUP and min(e.offset_s, ev.offset_s) > max(e.onset_s, ev.onset_s)}
    return hit.pop() if len(hit) == 1 else None


def examples(tracks, envs, settings, th):
    """``(x [n, 9], y [n] (1 = gunshot))`` of the tracks' Explosion / Gunshot suggestions with one truth."""
    xs, ys = [], []
    for t in tracks:
        env = envs.get(id(t))
        if env is None:
            continue
        for ev in per_label._plain_segments(t, settings, th):
            lab = truth_of(t, ev) if ev.label in GROUP else None
            if lab is not None:
                xs.append(features(t, env, ev))
                ys.append(lab == "Gunshot")
    return np.array(xs).reshape(-1, len(FEATURES)), np.array(ys, bool)


class Verifier:
    def __init__(self, x: np.ndarray, y: np.ndarray, c: float):
        self.scale = StandardScaler().fit(x)
        self.clf = LogisticRegression(C=c, max_iter=2000).fit(self.scale.transform(x), y)

    def p_gunshot(self, x: np.ndarray) -> float:
        return float(self.clf.predict_proba(self.scale.transform(x[None]))[0, 1])


def verified_segments(route: dict, envs: dict):
    """A :func:`training.tuning.segments`: ``route[id(track)] = (variant, verifier)``; variant
    None (off), "V1" (pairs) or "V2" (relabel)."""

    def likelihood(track, env, verifier, ev):
        p = verifier.p_gunshot(features(track, env, ev))
        return p if ev.label == "Gunshot" else 1 - p

    def segments(track, settings, th):
        evs = per_label._plain_segments(track, settings, th)
        variant, verifier = route.get(id(track), (None, None))
        env = envs.get(id(track))
        if variant is None or env is None:
            return evs
        if variant == "V1":
            return exclusive.resolve_pairs(evs, 0.5, lambda ev: likelihood(track, env, verifier, ev))
        out = []
        for e in evs:
            if e.label in GROUP:
                p = verifier.p_gunshot(features(track, env, e))
                e = Event("Gunshot" if p >= 0.5 else "Explosion", e.onset_s, e.offset_s)
            out.append(e)
        return join_overlapping(out)

    return segments


def recording_envelopes(folds, by_fold) -> dict:
    """Envelopes of every track: the timelines' and floor tracks' stored ones, the recordings' alone
    computed here from their audio at each gain (stage 2b scored them from t = 0, as the app does).
    The tracks are in :meth:`Fold.tracks`' order: timelines, each recording at each gain, floors."""
    envs = {}
    for f, tracks in zip(folds, by_fold):
        n_tl = len(f.meta["timelines"])
        gains = np.unique(f.arrays["rec_gain"])
        for t in tracks:
            if t.envelope is not None:
                envs[id(t)] = t.envelope
        for j, r in enumerate(f.meta["recordings"]):
            x = load_audio(r["path"])
            for i, g in enumerate(gains):
                t = tracks[n_tl + j * len(gains) + i]
                if t.label != r["label"] or t.gain_db != float(g):
                    raise RuntimeError("tracks not in Fold.tracks' order")
                envs[id(t)] = LoudnessTrack.of(x * np.float32(10 ** (g / 20)), SAMPLE_RATE).mean_square()
    return envs


def fit(per_fold: list, keep: set[int], c: float) -> Verifier:
    """A verifier trained on the examples of the folds in ``keep`` (``per_fold[k] = (x, y)``)."""
    return Verifier(np.concatenate([per_fold[k][0] for k in sorted(keep)]),
                    np.concatenate([per_fold[k][1] for k in sorted(keep)]), c)


def run(by_fold, envs, settings, th, c: float, label: str) -> dict:
    n = len(by_fold)
    tracks = [t for ts in by_fold for t in ts]
    per_fold = [examples(ts, envs, settings, th) for ts in by_fold]  # the segmentation is fixed: once
    outer = {k: fit(per_fold, set(range(n)) - {k}, c) for k in range(n)}
    y = np.concatenate([yk for _, yk in per_fold])
    print(f"[{label}] {len(y)} Explosion/Gunshot suggestions with one truth ({int(y.sum())} gunshots)", flush=True)
    # out-of-fold accuracy of the verifier against the head's own choice (the likelier head score)
    acc, head_acc, m = 0, 0, 0
    for k, (xk, yk) in enumerate(per_fold):
        if len(yk):
            acc += int(((outer[k].clf.predict_proba(outer[k].scale.transform(xk))[:, 1] >= 0.5) == yk).sum())
            head_acc += int(((xk[:, -1] > xk[:, -2]) == yk).sum())
            m += len(yk)
    print(f"[{label}] out-of-fold accuracy on them: verifier {acc / m:.3f}, head's likelier label {head_acc / m:.3f}",
          flush=True)
    coefs = np.mean([v.clf.coef_[0] for v in outer.values()], axis=0)
    print(f"[{label}] mean coefficients (+ = gunshot): " + ", ".join(f"{f} {c_:+.2f}" for f, c_ in zip(FEATURES, coefs)))
    results = {}
    for variant in (None, "V1", "V2"):
        route = {id(t): (variant, outer[k]) for k, ts in enumerate(by_fold) for t in ts}
        tuning.segments = verified_segments(route, envs)
        s = tuning.evaluate(tracks, settings, th).summary()
        results[str(variant)] = s
        print(f"[{label}] {variant or 'off'}: objective {s['objective']}, event F1 {s['event_f1']} "
              f"(P {s['precision']}, R {s['recall']}), {s['false_alarms_per_hour']} FA/h, clip {s['clip_micro_f1']}, "
              f"event F1 Explosion {s['per_label_event_f1']['Explosion']} Gunshot {s['per_label_event_f1']['Gunshot']}",
              flush=True)
    # nested: the variant for fold k chosen on the other folds, each scored by a verifier without k
    chosen, route = [], {}
    for k in range(n):
        others = [j for j in range(n) if j != k]
        inner = {j: fit(per_fold, set(others) - {j}, c) for j in others}
        best, best_obj = None, -np.inf
        for variant in (None, "V1", "V2"):
            tuning.segments = verified_segments({id(t): (variant, inner[j]) for j in others for t in by_fold[j]}, envs)
            obj = tuning.evaluate([t for j in others for t in by_fold[j]], settings, th).objective
            if obj > best_obj + 1e-12:
                best, best_obj = variant, obj
        chosen.append(best or "off")
        route.update({id(t): (best, outer[k]) for t in by_fold[k]})
    tuning.segments = verified_segments(route, envs)
    s = tuning.evaluate(tracks, settings, th).summary()
    results["nested"] = {**s, "chosen": chosen}
    print(f"[{label}] nested (chosen per fold {chosen}): objective {s['objective']}, event F1 {s['event_f1']} "
          f"(P {s['precision']}, R {s['recall']}), {s['false_alarms_per_hour']} FA/h, clip {s['clip_micro_f1']}",
          flush=True)
    tuning.segments = per_label._plain_segments
    return results


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--settings", type=Path, default=ROOT / "trained" / "model_card.json",
                    help="a model card whose detection settings and thresholds are read first")
    ap.add_argument("--c", type=float, default=1.0, help="the logistic regression's inverse regularisation")
    ap.add_argument("--out", type=Path, help="write the figures here (JSON)")
    a = ap.parse_args(argv)
    folds, by_fold = per_label.tracks_by_fold(a)
    envs = recording_envelopes(folds, by_fold)
    card = json.loads(a.settings.read_text())
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    readings = {"card": (DetectionSettings.for_model(None, **card["detection"]), card["thresholds"]),
                "selection": (DetectionSettings.for_model(None, **sel["settings"]), sel["thresholds"])}
    out = {name: run(by_fold, envs, s, th, a.c, name) for name, (s, th) in readings.items()}
    if a.out:
        a.out.write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
