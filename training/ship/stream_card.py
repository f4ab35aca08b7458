"""Model card 1.1 (encoder aisfx_stream) from the 1.0 card and the stream experiment's outputs.

    python -m training.ship.stream_card WORK/ship trained

Reads ``OUT/model_card.json`` / ``OUT/MODEL_CARD.md`` of the 1.0 model (aisfx), the export of the
aisfx_stream model in ``WORK/ship/stream_model`` (``ship_model export --choose aisfx_stream``), its
comparison results (``WORK/ship/results_stream``) and timing runs (``WORK/ship/stream/timing_*.json``),
keeps the 1.0 figures as the "aisfx" rows and writes the new card into ``WORK/ship/stream_model``
and ``OUT`` (the Markdown is the 1.0 text with the changed figures and paragraphs replaced).
"""
import json
import sys
from pathlib import Path
W = sys.argv[1] if len(sys.argv) > 1 else "/work/cache/ship"
OUT = sys.argv[2] if len(sys.argv) > 2 else "trained"
BENCH = sys.argv[3] if len(sys.argv) > 3 else None  # output of benchmarks/bench_analysis.py --models shipped
from pathlib import Path
old = json.load(open(OUT + '/model_card.json'))
new = json.load(open(W + '/stream_model/model_card.json'))
tun = json.load(open(W + '/stream/timing_tuning.json'))
held = json.load(open(W + '/stream/timing_heldout.json'))
res = json.load(open(W + '/results_stream/aisfx_stream.json'))
new['version'] = '1.1'
m = new['metrics']
om = old['metrics']
m['encoders']['compact']['timing_overall'] = om['encoders']['compact']['timing_overall']
m['encoders']['aisfx']['timing_overall'] = om['timing']['overall']
m['encoders']['aisfx']['timing_overall_held_out'] = om['timing']['held_out']['overall']
m['encoders']['aisfx']['timing_legacy_overall_held_out'] = om['timing']['held_out']['legacy']['overall']
m['encoders']['aisfx_stream']['speed_this_session'] = dict(res['speed'], where="shared 2-core VM, 2 threads, noise input")
m['encoders']['aisfx_stream']['ms_per_10s_window_note'] = res['ms_per_window_note']
tun['held_out'] = held
tun['note'] = om['timing']['note']
m['timing'] = tun
m['speed'] = om['speed']
m['selection'] = ("higher validation micro-F1 with cross-calibrated thresholds; within 0.02 of the best, the "
                  "faster encoder on 2 CPU threads (aisfx_stream: its per-window cost at hop 1 s, the stream "
                  "feature map shared by overlapping windows)")
Path(W + '/stream_model/model_card.json').write_text(json.dumps(new, indent=1) + "\n")
print(json.dumps({k: (v['overall'] if isinstance(v, dict) and 'overall' in v else None) for k, v in [('tuning', tun), ('held', held), ('held_legacy', held['legacy']), ('tun_legacy', tun['legacy'])]}, indent=0))
import json, re
from pathlib import Path
T = Path(OUT)
md = (T / 'MODEL_CARD.md').read_text()
card = json.loads(Path(W + '/stream_model/model_card.json').read_text())
m = card['metrics']; E = m['encoders']; S = E['aisfx_stream']; sp = S['speed_this_session']
f = lambda x, d=3: "n/a" if x is None else f"{x:.{d}f}"
def rep(a, b):
    global md
    assert a in md, a[:80]
    md = md.replace(a, b)
rep("# Mulse Author default model 1.0 — audio-only, encoder: aisfx\n", "# Mulse Author default model 1.1 — audio-only, encoder: aisfx_stream\n")
rep("config `aisfx-frozen+head`", "config `aisfx-stream-frozen+head`")
rep("- Input: 10 s windows of 22 050 Hz mono audio as the paper's log-mel (60 mel bands, n_fft 1024, hop 512, 420 frames, dB with top_db 80 per window).",
    "- Input: 10 s windows of 22 050 Hz mono audio as the paper's mel spectrogram (60 mel bands, n_fft 1024, hop 512, 420 frames) "
    "taken at a **fixed level** (mel power x a constant gain, no per-window normalisation), so the encoder's feature map does not depend on the window: "
    "analysis runs the CNN once over the whole soundtrack and max/mean-pools each window's central 7.8 s "
    "(42 of its 52 feature-map frames; the 5 frames at each end, which would see a lone window's zero padding, are left out, "
    "so a pooled window equals the window computed alone, up to the 8-frame (186 ms) pooling grid).")
# comparison table
hdr = "| aisfx (shipped) |"
rows = []
for n, e in E.items():
    c = e['calibrated_on_validation']
    ms = e['ms_per_10s_window_2_threads']
    ms_s = f"{ms:.1f}" if n != 'aisfx_stream' else f"{ms:.1f} (hop 1 s, shared map; {sp['per_window_ms']:.1f} for a window alone; other session, see below)"
    rows.append(f"| {n}{' (shipped)' if n == m['shipped_encoder'] else ''} | {e['parameters']:,} | {e['train_clips']} | "
                f"{f(e['at_0.5']['micro_f1'])} | {f(c['micro_f1'])} | {f(e['cross_calibrated']['micro_f1'])} | "
                f"{f(c['hamming_loss'])} | {f(c['exact_match_ratio'])} | {ms_s} |")
md = re.sub(r"\| compact \| 320,615 .*?\n\| aisfx \(shipped\) \|[^\n]*\n", "\n".join(rows) + "\n", md, flags=re.S)
rep("- Selection: higher validation micro-F1 with cross-calibrated thresholds; within 0.02 of the best, the faster encoder on 2 CPU threads.",
    "- *aisfx_stream* (shipped since 1.1): the same frozen aiSFX CNN and the same head training (same script, seed, 60 epochs, same clips), "
    "but the fixed-level front end and edge-free pooling above, so overlapping windows share one feature map. "
    f"Per-window cost measured in this session (shared 2-core VM, 2 threads, `python -m training.ship.stream_experiment speed`): "
    f"feature map {sp['stream_fmap_ms_per_s_audio']:.1f} ms per second of audio + {sp['pool_ms_per_window']:.3f} ms pooling per window = "
    f"{sp['stream_ms_per_window_hop1']:.1f} ms per window at hop 1 s, vs {sp['per_window_ms']:.1f} ms for one window computed alone on the same machine.\n"
    "- *aisfx*: the 1.0 model (each window's log-mel clipped at top_db 80 and scaled so its loudest band has a fixed level: every window needs its own CNN pass). "
    "Its row and timing figures are kept from the 1.0 card.\n"
    f"- Selection: {m['selection']}.")
# per-label table
pl = S['per_label_calibrated']
lines = [f"| {lab} | {p['threshold']:.3f} | {f(p['precision'])} | {f(p['recall'])} | {f(p['f1'])} | {f(p['average_precision'])} | {p['support']} |" for lab, p in pl.items()]
md = re.sub(r"(\| label \| threshold \| precision \| recall \| F1 \| AP \| support \|\n\|---\|---\|---\|---\|---\|---\|---\|\n)(\|[^\n]*\n)+", lambda mm: mm.group(1) + "\n".join(lines) + "\n", md)
c = S['calibrated_on_validation']
md = re.sub(r"micro-F1 0\.586, macro-F1 [^\n]*", f"micro-F1 {f(c['micro_f1'])}, macro-F1 {f(c['macro_f1'])}, Hamming loss {f(c['hamming_loss'])}, exact match {f(c['exact_match_ratio'])} "
            f"(1.0 model, aisfx: micro-F1 0.586, Hamming 0.166, exact match 0.320; cross-calibrated micro-F1 {f(S['cross_calibrated']['micro_f1'])} vs 0.561).", md)
# timing overall table
t, h = m['timing'], m['timing']['held_out']
def orow(name, setting, o):
    return (f"| {name} | {setting} | {o['detected']}/{o['true_segments']} | {f(o['median_start_error_s'], 2)} | {f(o['median_end_error_s'], 2)} | "
            f"{f(o['hit_rate_start_1s'], 2)} | {f(o['hit_rate_start_end_1s'], 2)} | {o['false_alarms_per_hour']:.0f} |")
ov = [orow("held-out, seeds 10-14", "default", h['overall']), orow("held-out, seeds 10-14", "legacy", h['legacy']['overall']),
      orow("tuning, seeds 0-2", "default", t['overall']), orow("tuning, seeds 0-2", "legacy", t['legacy']['overall']),
      orow("held-out, seeds 10-14", "default, aisfx 1.0 model (not shipped)", E['aisfx']['timing_overall_held_out']),
      orow("held-out, seeds 10-14", "legacy, aisfx 1.0 model (not shipped)", E['aisfx']['timing_legacy_overall_held_out']),
      orow("tuning, seeds 0-2", "default, aisfx 1.0 model (not shipped)", E['aisfx']['timing_overall']),
      orow("tuning, seeds 0-2", "legacy, compact encoder (not shipped)", E['compact']['timing_overall'])]
md = re.sub(r"(\| timelines \| settings \|[^\n]*\n\|---[^\n]*\n)(\|[^\n]*\n)+", lambda mm: mm.group(1) + "\n".join(ov) + "\n", md)
def prow(lab, p, q):
    g = lambda k, d=2: f"{f(p[k], d)} ({f(q[k], d)})"
    return (f"| {lab} | {p['true_segments']} | {p['detected']} ({q['detected']}) | {g('median_start_error_s')} | {g('median_end_error_s')} | "
            f"{g('hit_rate_start_1s')} | {g('hit_rate_start_end_1s')} | {p['false_alarm_segments']} ({q['false_alarm_segments']}) | "
            f"{p['false_alarms_per_hour']:.0f} ({q['false_alarms_per_hour']:.0f}) |")
per = [prow(lab, h['per_label'][lab], h['legacy']['per_label'][lab]) for lab in h['per_label']] + [prow("all", h['overall'], h['legacy']['overall'])]
md = re.sub(r"(\| label \| true segments \| detected \|[^\n]*\n\|---[^\n]*\n)(\|[^\n]*\n)+", lambda mm: mm.group(1) + "\n".join(per) + "\n", md, count=1)
(Path(W + '/stream_model/MODEL_CARD.md')).write_text(md)
md = Path(W + '/stream_model/MODEL_CARD.md').read_text()
a = md.index("A true segment is *detected* when")
b = md.index("## Known limits")
hp = h['per_label']
new_mid = ("A true segment is *detected* when a predicted segment of its label overlaps it; errors are measured on the "
  "most-overlapping one (medians over detected segments only); the within-1 s shares count missed segments as failures. "
  f"Against the 1.0 model on the same held-out timelines (default settings): {h['overall']['detected']} vs 102 of 119 detected, "
  f"{h['overall']['false_alarms_per_hour']:.0f} vs 90 false alarms / h, start within 1 s {h['overall']['hit_rate_start_1s']:.2f} vs 0.60, "
  f"start and end within 1 s {h['overall']['hit_rate_start_end_1s']:.2f} vs 0.49. The loss is mostly Gunshot "
  f"({hp['Gunshot']['detected']} vs 13 of 16 detected; its calibrated threshold rose from 0.05 to {card['thresholds']['Gunshot']:.2f}, "
  f"with {hp['Gunshot']['false_alarms_per_hour']:.0f} instead of 50 false alarms / h) and Thunder ({hp['Thunder']['detected']} vs 14 of 20); "
  f"Explosion has more false alarms ({hp['Explosion']['false_alarms_per_hour']:.0f} vs 17 / h). "
  "The segmentation defaults (quantile, refinement) were tuned on seeds 0-2 with the 1.0 model and not re-tuned. "
  "The refinement relies on the event being louder than its surroundings: in a film mix where music or dialogue is louder than "
  "the effect it leaves the boundaries of the curves (within about 2 s, the quantile's bias) or snaps to the louder sound.\n\n"
  "The 1.0 card's sweep of other segmentation settings (`python -m training.ship.sweep_detection`) was measured on the 1.0 "
  "model's window scores and was not re-run for this model. Raising the segment thresholds "
  "(e.g. `mulse-author analyze --threshold Gunshot=0.7 ...`) trades missed events for tighter boundaries and fewer false alarms.\n\n")
md = md[:a] + new_mid + md[b:]
old_cpu = [l for l in md.splitlines() if l.startswith("- The aisfx encoder is large for a CPU")][0]
md = md.replace(old_cpu, "- The encoder is large for a CPU, but with this front end its cost is per second of audio, "
  f"not per window (about {sp['stream_fmap_ms_per_s_audio']:.0f} ms per second of audio on 2 threads here; analysis runs it on one worker thread beside "
  "the decoder): a larger `--hop` now saves little network time.")
old_lvl = [l for l in md.splitlines() if l.startswith("- The aisfx front end normalises every window")][0]
md = md.replace(old_lvl, "- **The scores depend on the level.** The fixed gain was set so that the median training mix (the mixer's "
  "levels) sees the 1.0 model's level; a soundtrack mastered much quieter or louder than those mixes shifts the scores "
  "(quiet events score lower). Measured: white noise at amplitude 0.05 scores Rain 1.00, the same noise 40 dB quieter "
  "scores 0.00 (the 1.0 model, which normalised every window, scored quiet hiss as Rain). Silence, a 100 Hz hum and a 1 kHz tone "
  "score <= 0.003 on every label.\n"
  "- A window's score comes from its central 7.8 s (the 5 feature-map frames at each end are left out so that pooled and "
  "stand-alone windows agree): an event only in the first or last ~1.1 s of a window does not count in that window "
  "(the neighbouring windows, 1 s apart by default, see it).")
if BENCH:
    b = Path(BENCH).read_text()
    num = lambda pat: float(re.search(pat, b).group(1))
    dec, h1, h10 = num(r"decode-only +([0-9.]+) s"), num(r"hop 1 s +([0-9.]+) s"), num(r"hop 10 s +([0-9.]+) s")
    m10, m30 = num(r"peak memory 10 min +([0-9.]+) MB"), num(r"peak memory 30 min +([0-9.]+) MB")
    md = md.replace("\n- *aisfx*: the 1.0 model", (
        f"\n- Analysis speed with this model (`benchmarks/bench_analysis.py --models shipped`, 10-min 1280x720 file, "
        f"shared 2-core VM): decode-only {dec:.1f} s; analysis at hop 1 s {h1:.1f} s ({h1 / dec:.2f}x decode; the 1.0 model "
        f"measured 4.2x in an earlier run), at hop 10 s {h10:.1f} s (hop 1 s / hop 10 s {h1 / h10:.2f}); peak memory "
        f"{m10:.0f} MB (30-min file {m30:.0f} MB). The 1.25x target is still missed: the stream CNN runs on one worker "
        "thread beside the decoder and needs more than the core the decoder leaves free.\n- *aisfx*: the 1.0 model"), 1)
Path(W + '/stream_model/MODEL_CARD.md').write_text(md)
(Path(OUT) / 'MODEL_CARD.md').write_text(md)
(Path(OUT) / 'model_card.json').write_text(Path(W + '/stream_model/model_card.json').read_text())
