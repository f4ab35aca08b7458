"""The detector report: what users get on held-out sound libraries, for a model and for the
log-mel baseline, measured through the app's own analysis.

    python -m training.report_detector --work WORK --model trained [--model OTHER ...] [--fresh FRESH] --out report.json

On a held-out set (:class:`HeldOut`) never used for training or selection: the test packages
(:data:`training.film.TEST_PACKAGES`, reported on for models 2.0-2.3) or the fresh set of
``training/fetch/get_fresh_heldout_audio.sh`` (``--fresh``, with music of its own packages):

* **clip micro-F1**: each recording analysed alone by :func:`mulse_author.detect.analyze`
  (the code behind ``mulse-author analyze``) at gains 0, -10, -20 and -30 dB; the predicted
  labels are those of its suggestions, the truth the recording's label;
* **over noise floors**: each recording alone over hiss, pink noise, room tone or hum at -60 to
  -30 dBFS, 10-30 dB above it (clip micro-F1 as above);
* **film-like timelines**: held-out events over test music, test-voice dialogue and room tone
  at film levels (some events under the bed, some over it), scored event by event
  (:mod:`training.events`, 1 s collar): precision, recall, F1, false alarms per hour, median
  onset / offset errors, per label, and the confusion between labels;
* **quiet noise**: hiss, pink noise, room tone and mains hum at -30, -45 and -60 dBFS: every
  suggestion there is a false alarm;
* **everyday sounds** (``--everyday DIR`` of ``training/fetch/get_everyday_audio.sh``: animals,
  instruments, vehicles, tools, none of the labels, never trained on): each clip analysed alone
  (the share given any label), and timelines of them over dialogue and room tone
  (:func:`training.timelines.everyday_timelines`): false alarms per hour, per label.

The baseline (per-band mean, standard deviation and maximum of the log-mel + logistic
regression, trained on the same clips) scores the same regions and goes through the same
segmentation (:func:`mulse_author.detect.segmentation.detect_segments`) as the app.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from safetensors.torch import load_file

from mulse_author.detect.analyze import analyze
from mulse_author.detect.loudness import LoudnessTrack
from mulse_author.detect.segmentation import DetectionSettings
from mulse_author.labels import LABELS
from mulse_author.media import load_audio
from mulse_author.model import load_checkpoint
from mulse_author.spec import SAMPLE_RATE as SR
from training import intervals, timelines
from training.datasets.recordings import Recording
from training.embed import baseline_stream_features
from training.events import Event, event_figures, join_overlapping, match_events, merge_counts
from training.film import NOISE_KINDS, TEST_PACKAGES, noise_bed, package_of, read_beds, read_corpus
from training.heads import Head, HeadConfig
from training.metrics import evaluate_scores
from training.timelines import TimelineMaterial
from training.tuning import Soundtrack, segments

GAINS_DB = (0, -10, -20, -30)
NOISE_LEVELS_DBFS = (-30, -45, -60)


# ---------------------------------------------------------------- predictors
def model_predictor(model_dir: str, precision: str = "auto"):
    """``path -> list[Event]`` of the scene-labelled suggestions of ``analyze(path)`` (the encoder in
    ``precision``: "auto" as users get it, or one forced; :mod:`mulse_author.model.precision`)."""
    model = load_checkpoint(model_dir)

    def predict(path: Path) -> list[Event]:
        doc = analyze(path, model=model, precision=precision)
        seen = {}
        for s in doc.segments():  # one label can give several effects: keep each span once
            if s.label:
                seen[(s.label, s.start_ms, s.end_ms)] = Event(s.label, s.start_ms / 1000, s.end_ms / 1000)
        return join_overlapping(list(seen.values()))

    return predict


def baseline_predictor(head_path: Path, thresholds: dict[str, float], settings: dict | None = None):
    """``path -> list[Event]`` of the baseline, through the app's regions and segmentation
    (``settings``: the baseline's own tuned :class:`DetectionSettings` fields; default: the defaults)."""
    state = load_file(str(head_path))
    seg = DetectionSettings.for_model(None, **{k: v for k, v in (settings or {}).items() if k != "thresholds"})
    head = Head(state["mean"], state["std"], HeadConfig(hidden=0))
    head.load_state_dict(state)

    def predict(path: Path) -> list[Event]:
        audio = load_audio(path)
        dur = len(audio) / SR
        base, q = baseline_stream_features(audio)
        scores = head.scores(base)
        track = Soundtrack(scores, q, dur, LoudnessTrack.of(audio, SR).mean_square())
        return segments(track, seg, thresholds)

    return predict


def newest_selection(work: Path) -> str:
    """The newest stage-3b selection folder of WORK (``select2<minor>`` with a selection.json;
    side folders such as ``select26a_distr`` or ``select27c`` do not count), else stage 3's
    ``select``."""
    found = sorted(d.name for d in work.glob("select2[0-9]") if (d / "selection.json").exists())
    return found[-1] if found else "select"


def selection_baseline(work: Path, select: str | None = None):
    """The baseline predictor a selection stage wrote (``select``, default
    :func:`newest_selection`): stage 3b's with its own tuned thresholds and segmentation,
    or stage 3's."""
    select = select or newest_selection(work)
    sel = json.loads((work / select / "selection.json").read_text())
    if "candidates" in sel:
        return baseline_predictor(work / select / "baseline.safetensors", sel["baseline"]["thresholds"],
                                  sel["baseline"]["settings"])
    return baseline_predictor(work / select / "baseline.safetensors", sel["baseline_thresholds"])


# ---------------------------------------------------------------- material
@dataclass
class HeldOut:
    """A held-out set: the recordings scored alone and placed in the film-like timelines, and
    the music and dialogue beds of those timelines."""

    name: str
    packages: list[str]
    recordings: list[Recording]
    music: list[str]
    dialogue: list[str]

    def timelines(self, n: int, minutes: float, seed: int):
        """``n`` film-like timelines: ``[(audio, [Event])]`` (:mod:`training.timelines`)."""
        return timelines.build_timelines(TimelineMaterial(self.recordings, self.music, self.dialogue),
                                         n, minutes, seed)


def _test_dialogue(work: Path) -> list[str]:
    return [str(p) for p in sorted((work / "film" / "dialogue_test").glob("*.wav"))]


def test_package_set(work: Path) -> HeldOut:
    """The test packages of :data:`training.film.TEST_PACKAGES` (reported on for models 2.0-2.3):
    their recordings and music, and dialogue in the test voices."""
    recs = [r for r in read_corpus(work / "scene", work / "extra") if package_of(r) in TEST_PACKAGES]
    music = [b.path for b in read_beds(work / "background", work / "beds")
             if package_of(b) in TEST_PACKAGES and "music" in b.path.lower()]
    if not recs or not music or not _test_dialogue(work):
        raise RuntimeError("no test recordings, test music or test dialogue found under WORK")
    return HeldOut("test packages", list(TEST_PACKAGES), recs, music, _test_dialogue(work))


#: The held-out set names of :func:`fresh_set`'s two sets.
FRESH, FRESH2 = "fresh held-out set", "second fresh held-out set"


def fresh_set(fresh: Path, work: Path, music_from: Path | None = None, name: str = FRESH) -> HeldOut:
    """The fresh held-out set of ``training/fetch/get_fresh_heldout_audio.sh`` (``fresh``): its
    recordings (``fresh/test``) and its own music (``fresh/beds``), with dialogue in the test
    voices (``work/film/dialogue_test``, synthetic).  ``music_from``: the music of another set
    (the second fresh set, ``get_fresh2_heldout_audio.sh``, has none: ``name=FRESH2``)."""
    recs = read_corpus(fresh, split="test")
    beds = read_beds(music_from or fresh, split="beds")
    if not recs or not beds or not _test_dialogue(work):
        raise RuntimeError(f"no fresh recordings under {fresh}, no music under {music_from or fresh}, "
                           f"or no test dialogue under {work}")
    packages = sorted({package_of(r) for r in recs + beds})
    return HeldOut(name, packages, recs, [b.path for b in beds], _test_dialogue(work))


def _write(path: Path, audio: np.ndarray) -> Path:
    sf.write(path, np.clip(audio, -1, 1).astype(np.float32), SR, format="FLAC")
    return path


# ---------------------------------------------------------------- figures
def label_decisions(predict, tracks) -> tuple[np.ndarray, np.ndarray]:
    """``(truth, predicted)``, ``[tracks, labels]`` booleans: each of ``tracks``, ``[(audio, {true
    labels})]``, analysed alone as a file by ``predict``; predicted labels = its suggestions' labels."""
    y, p = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (audio, truth) in enumerate(tracks):
            labels = {e.label for e in predict(_write(Path(tmp) / f"clip{i}.flac", audio))}
            y.append([lab in truth for lab in LABELS])
            p.append([lab in labels for lab in LABELS])
    return np.array(y, bool).reshape(-1, len(LABELS)), np.array(p, bool).reshape(-1, len(LABELS))


def label_figures(predict, tracks) -> dict:
    """Clip micro-F1 of ``predict`` over ``tracks``, ``[(audio, {true labels})]`` (each analysed
    alone, as a file: :func:`label_decisions`)."""
    y, p = (d.astype(float) for d in label_decisions(predict, tracks))
    r = evaluate_scores(y, p, 0.5).to_dict()
    # per recording: true positives, false positives, false negatives over the labels
    counts = np.stack([(y * p).sum(1), ((1 - y) * p).sum(1), (y * (1 - p)).sum(1)], axis=1).astype(int)
    return {"micro_f1": r["micro_f1"], "macro_f1": r["macro_f1"], "per_label": r["per_label"],
            "recordings": len(y), "predicted_labels": int(p.sum()),
            "micro_f1_interval": list(intervals.micro_f1_interval(counts)), "counts_per_recording": counts.tolist()}


def clip_figures(predict, recs, gains=GAINS_DB) -> dict:
    """Each recording alone at each of ``gains`` (dB): :func:`label_figures` per gain."""
    return {str(g): label_figures(predict, ((load_audio(r.path) * 10 ** (g / 20), set(r.labels)) for r in recs))
            for g in gains}


def floor_figures(predict, recs, seed: int = 11, load=None) -> dict:
    """Each recording alone over a noise floor (:func:`training.timelines.noisy_tracks`: hiss,
    pink noise, room tone or hum at -60 to -30 dBFS, the event 10-30 dB above it):
    :func:`label_figures`.  A film's events never sit on digital silence."""
    tracks = timelines.noisy_tracks(recs, 1, seed, snr_db=(10.0, 30.0), load=load)
    return label_figures(predict, ((audio, {e.label for e in truth}) for audio, truth in tracks))


def timeline_figures(predict, timelines) -> dict:
    """Event figures of ``predict`` on ``[(audio, events)]``, pooled, with bootstrap intervals
    over the timelines (:func:`training.intervals.event_intervals`)."""
    results, hours, rows = [], 0.0, []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (audio, truth) in enumerate(timelines):
            path = _write(Path(tmp) / f"timeline{i}.flac", audio)
            m = match_events(truth, predict(path))
            results.append(m)
            h = len(audio) / SR / 3600
            hours += h
            keys = ("hits", "predicted", "true", "false_alarms")
            rows.append([sum(v[k] for v in m["per_label"].values()) for k in keys] + [h])
    fig = event_figures(merge_counts(results), hours)
    fig["minutes"] = round(hours * 60, 1)
    if rows:  # JSON keeps the (lo, hi) pairs as lists
        iv = intervals.event_intervals(rows)
        fig["intervals"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in iv.items()}
    fig["counts_per_timeline"] = [[int(x) for x in r[:4]] + [round(r[4], 6)] for r in rows]
    return fig


def noise_figures(predict, seconds: float = 30.0) -> dict:
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        total = 0
        for kind in NOISE_KINDS:
            for lv in NOISE_LEVELS_DBFS:
                x = noise_bed(kind, seconds, 9000 + NOISE_KINDS.index(kind)) * 10 ** (lv / 20)
                n = len(predict(_write(Path(tmp) / f"{kind}{lv}.flac", x)))
                res[f"{kind} {lv} dBFS"] = n
                total += n
    res["total_false_alarms"] = total
    res["minutes"] = len(NOISE_KINDS) * len(NOISE_LEVELS_DBFS) * seconds / 60
    return res


def figure(x: float | None, nd: int = 3) -> str:
    """A report figure with ``nd`` decimals, or "-" where there is none (e.g. no event)."""
    return "-" if x is None else f"{x:.{nd}f}"


def clip_interval_lines(m: dict, names: list[str], gains: list[str], recordings: int) -> list[str]:
    """How far each clip micro-F1 could move on another draw of recordings, and the spread over
    the gains judged on the same draws (reports measured before intervals have none)."""
    have = [n for n in names if all("counts_per_recording" in m[n]["clips"][g] for g in gains)]
    if not have:
        return []
    out = ["", f"95 % intervals (bootstrap over the {recordings} recordings, {intervals.REPS} draws; the spread is "
               "the largest minus the smallest micro-F1 over the gains, the same draws for every gain):", ""]
    for n in have:
        c = m[n]["clips"]
        spread, (lo, hi) = intervals.spread_interval([c[g]["counts_per_recording"] for g in gains])
        out.append(f"- {n}: " + ", ".join(f"{g} dB {figure(c[g]['micro_f1_interval'][0], 2)}-"
                                          f"{figure(c[g]['micro_f1_interval'][1], 2)}" for g in gains)
                   + f"; spread {figure(spread)} ({figure(lo)}-{figure(hi)})")
    first = have[0]
    for n in have[1:]:  # the leading model against each other one, on the same draws of recordings
        diffs = [intervals.micro_f1_difference(m[first]["clips"][g]["counts_per_recording"],
                                               m[n]["clips"][g]["counts_per_recording"]) for g in gains]
        out.append(f"- {first} minus {n}, paired: " + ", ".join(
            f"{g} dB {signed_interval(d, iv)}" for g, (d, iv) in zip(gains, diffs)))
    return out


def signed(x: float, nd: int = 3) -> str:
    """A difference with its sign: "+0.133", "-0.020", "+0" (``nd=0``)."""
    return f"{x:+.{nd}f}"


def signed_interval(x: float, interval, nd: int = 3) -> str:
    """A difference and its interval: "+0.133 (-0.019 to +0.272)"."""
    lo, hi = interval
    return f"{signed(x, nd)} ({signed(lo, nd)} to {signed(hi, nd)})"


def timeline_interval_lines(m: dict, names: list[str]) -> list[str]:
    """How far the timeline figures could move on another draw of timelines."""
    have = [n for n in names if "intervals" in m[n]["timelines"]]
    if not have:
        return []
    k = m[have[0]]["timelines"]["intervals"]["timelines"]
    out = ["", f"95 % intervals (bootstrap over the {k} timelines, each with its events and false alarms):", ""]
    for n in have:
        iv = m[n]["timelines"]["intervals"]
        out.append(f"- {n}: event F1 {figure(iv['f1'][0], 2)}-{figure(iv['f1'][1], 2)}, false alarms / h "
                   f"{figure(iv['false_alarms_per_hour'][0], 0)}-{figure(iv['false_alarms_per_hour'][1], 0)}")
    paired = [n for n in have if "counts_per_timeline" in m[n]["timelines"]]
    for n in paired[1:]:  # the leading model against each other one, on the same draws of timelines
        d = intervals.event_differences(m[paired[0]]["timelines"]["counts_per_timeline"],
                                        m[n]["timelines"]["counts_per_timeline"])
        out.append(f"- {paired[0]} minus {n}, paired: event F1 {signed_interval(*d['f1'])}, "
                   f"false alarms / h {signed_interval(*d['false_alarms_per_hour'], 0)}")
    return out


def nonzero_counts(counts: dict) -> str:
    """``"Fire 3, Gunshot 1"``: the non-zero entries of a per-label count."""
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def everyday_set(everyday: Path) -> list[str]:
    """The everyday clips of ``training/fetch/get_everyday_audio.sh`` (``everyday``)."""
    clips = [str(p) for p in sorted((everyday / "test" / "everyday").glob("*")) if p.is_file()]
    if not clips:
        raise RuntimeError(f"no everyday sounds under {everyday}/test/everyday")
    return clips


def everyday_figures(predict, clips: list[str], timelines_: list) -> dict:
    """Labels given to everyday sounds: each clip alone, then the timelines (all false alarms)."""
    alone = {lab: 0 for lab in LABELS}
    flagged: dict[str, list[str]] = {}
    for c in clips:
        labels = {e.label for e in predict(Path(c))}
        if labels:
            flagged[Path(c).stem.split("_noises_")[-1]] = sorted(labels)  # qabcs names: the word itself
        for lab in labels:
            alone[lab] += 1
    per_label = {lab: 0 for lab in LABELS}
    hours = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (audio, _) in enumerate(timelines_):
            for e in predict(_write(Path(tmp) / f"everyday{i}.flac", audio)):
                per_label[e.label] += 1
            hours += len(audio) / SR / 3600
    total = sum(per_label.values())
    return {"clips": len(clips), "clips_given_a_label": len(flagged), "clip_labels": alone, "labelled_clips": flagged,
            "minutes": round(hours * 60, 1), "false_alarms": total,
            "false_alarms_per_hour": round(total / hours, 1) if hours else None,
            "false_alarms_per_label": per_label}


def everyday_report(predictors: dict, clips: list[str], dialogue: list[str], n_timelines: int = 6,
                    minutes: float = 5.0, seed: int = 107, log=print) -> dict:
    """The everyday-sound check alone (no held-out recording is read): ``{model: figures}``."""
    tl = timelines.everyday_timelines(clips, dialogue, n_timelines, minutes, seed)
    out = {}
    for name, predict in predictors.items():
        ev = out[name] = everyday_figures(predict, clips, tl)
        log(f"{name}: everyday sounds: {ev['clips_given_a_label']} of {ev['clips']} clips given a label "
            f"({nonzero_counts(ev['clip_labels'])}); timelines ({ev['minutes']} min) {ev['false_alarms_per_hour']} "
            f"FA/h ({nonzero_counts(ev['false_alarms_per_label'])})")
    return out


def report(held: HeldOut, predictors: dict, n_timelines: int = 6, minutes: float = 5.0, seed: int = 7,
           log=print, everyday: list[str] | None = None) -> dict:
    recs = held.recordings
    timelines = held.timelines(n_timelines, minutes, seed)
    out = {"held_out_set": held.name, "test_packages": held.packages, "test_recordings": len(recs),
           "recordings_per_label": {lab: sum(lab in r.labels for r in recs) for lab in LABELS},
           "timeline_events": sum(len(t) for _, t in timelines), "models": {}}
    for name, predict in predictors.items():
        t0 = time.time()
        res = {"clips": clip_figures(predict, recs)}
        log(f"{name}: clip micro-F1 " + ", ".join(f"{g} dB {v['micro_f1']:.3f}" for g, v in res["clips"].items()))
        res["floors"] = floor_figures(predict, recs)
        log(f"{name}: over noise floors clip micro-F1 {res['floors']['micro_f1']:.3f}")
        res["timelines"] = timeline_figures(predict, timelines)
        o = res["timelines"]["overall"]
        log(f"{name}: timelines ({res['timelines']['minutes']} min) event F1 {o['f1']:.3f} P {o['precision']:.3f} "
            f"R {o['recall']:.3f}, {o['false_alarms_per_hour']:.1f} FA/h, "
            f"median onset error {o['median_onset_error_s']}")
        res["noise"] = noise_figures(predict)
        log(f"{name}: quiet noise false alarms {res['noise']['total_false_alarms']} in {res['noise']['minutes']} min")
        res["seconds"] = round(time.time() - t0, 1)
        out["models"][name] = res
    if everyday:
        for name, ev in everyday_report(predictors, everyday, held.dialogue, n_timelines, minutes, seed + 100,
                                        log).items():
            out["models"][name]["everyday"] = ev
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", action="append", default=[], help="NAME=DIR of a checkpoint (repeatable)")
    ap.add_argument("--baseline", type=Path, help="baseline head (safetensors) from stage 3")
    ap.add_argument("--baseline-thresholds", type=Path, help="selection.json with baseline_thresholds")
    ap.add_argument("--timelines", type=int, default=6)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--fresh", type=Path, help="report on this fresh held-out set (get_fresh_heldout_audio.sh) "
                                               "instead of the test packages")
    ap.add_argument("--everyday", type=Path, help="also the everyday-sound false alarms (get_everyday_audio.sh)")
    ap.add_argument("--everyday-only", action="store_true", help="only those (reads no held-out recording)")
    a = ap.parse_args(argv)
    preds = {}
    for spec in a.model:
        name, _, path = spec.partition("=")
        preds[name] = model_predictor(path or name)
    if a.baseline:
        th = json.loads(a.baseline_thresholds.read_text())["baseline_thresholds"] if a.baseline_thresholds else {}
        preds["baseline"] = baseline_predictor(a.baseline, th)
    if a.everyday_only:
        if not a.everyday:
            ap.error("--everyday-only needs --everyday DIR")
        res = {"everyday_clips": str(a.everyday), "models": everyday_report(
            preds, everyday_set(a.everyday), _test_dialogue(a.work), a.timelines, a.minutes)}
    else:
        held = fresh_set(a.fresh, a.work) if a.fresh else test_package_set(a.work)
        res = report(held, preds, a.timelines, a.minutes, everyday=everyday_set(a.everyday) if a.everyday else None)
    text = json.dumps(res, indent=1)
    if a.out:
        a.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
