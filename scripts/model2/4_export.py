"""Stage 4: the model as a checkpoint (encoder + chosen head + thresholds + segmentation), and
its precision check.

    python scripts/model2/4_export.py --work WORK --encoder-from trained --out WORK/model2
    python scripts/model2/4_export.py --work WORK --select select23 --version 2.3 --out WORK/model23

``--select select21``/``select22`` takes stage 3b's choice (head, thresholds and the segmentation tuned on
out-of-fold timelines, written into the card's ``detection`` block) instead of stage 3's.

The aiSFX encoder weights come from ``--encoder-from``: the converted safetensors of
``training.aisfx_weights`` or a checkpoint holding them (model 1.1 ships the same frozen encoder). The head (WORK/select/head.safetensors) goes into the BimodalNet layout
(``audio.fc`` = the hidden layer, ``audio_head`` = the output layer) under
``audio_encoder="aisfx_stream_norm"``. The exported network is checked to reproduce the head's
scores on the fold embeddings; bfloat16 inference is listed only if, on 200 clips of each fold
re-mixed here, it changes at most 1 % of the decisions.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.detect.inference import stream_head  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.model import BimodalNet, ModelCard, ModelConfig, save_checkpoint  # noqa: E402
from mulse_author.model.precision import NO_BF16, bf16_runnable  # noqa: E402
from training.aisfx_weights import load_encoder  # noqa: E402
from training.fmaps import floor_and_negative_draws  # noqa: E402
from training.precision_check import flip_check, fold_clips  # noqa: E402


def build(encoder_from: Path, head_path: Path) -> BimodalNet:
    encoder = load_encoder(encoder_from)
    head = load_file(str(head_path))
    hidden = head["net.1.weight"].shape[0]
    cfg = ModelConfig.compact("audio").replace(audio_encoder="aisfx_stream_norm", embedding_dim=hidden,
                                               name="aisfx-stream-norm-frozen+head")
    net = BimodalNet(cfg)
    net.audio.encoder.load_state_dict(encoder.state_dict())
    with torch.no_grad():
        net.audio.emb_mean.copy_(head["mean"])
        net.audio.emb_std.copy_(head["std"])
        net.audio.fc.weight.copy_(head["net.1.weight"])
        net.audio.fc.bias.copy_(head["net.1.bias"])
        net.audio_head.weight.copy_(head["net.4.weight"])
        net.audio_head.bias.copy_(head["net.4.bias"])
    return net.eval()


def _draws(n: int) -> str:
    return f" ({n} draws)" if n > 1 else ""


def stage3b_description(sel: dict) -> str:
    """The card's one-paragraph description of a stage-3b model."""
    extra = sel.get("train_extra", [])
    words = []
    if any(x.startswith("fmaps_aug") for x in extra):
        words.append("augmented copies of their events")
    if any(x.endswith("_distr") for x in extra):
        words.append("everyday sounds (game foley, voices) between and over the events")
    draws = floor_and_negative_draws(extra)
    if "fmaps_noisy" in draws:
        words.append("their recordings alone over hiss, pink noise, room tone and hum" + _draws(draws["fmaps_noisy"]))
    for kind, n in draws.items():  # stage 2c's set_name: fmaps_neg[_soft][_noisy]
        if kind.startswith("fmaps_neg"):
            words.append("everyday sounds" + (" other than hits, slams and steps" if "_soft" in kind else "")
                         + (" over noise floors" if kind.endswith("_noisy") else " played alone")
                         + _draws(n) + " as examples of no label")
    return ("Audio-only scene-component detector (7 AudioSet labels): the frozen aiSFX encoder run once over the "
            "level-normalised soundtrack, with a head (" + _head_words(sel) + ") trained on every region of "
            "film-like timelines and of recordings played alone (real game-library recordings over music, dialogue "
            "and room tone)" + (", with " + " and ".join(words) if words else "") + ", and a segmentation tuned "
            "with it by cross-validation over packages. No video branch.")


#: Calibrated thresholds are kept inside this range: out-of-fold scores of a label seen in few
#: packages are low, and a threshold near 0 would make every faint score a suggestion.
THRESHOLD_RANGE = (0.2, 0.9)


def decision_thresholds(sel: dict) -> np.ndarray:
    """Per-label thresholds: the out-of-fold calibrated ones within :data:`THRESHOLD_RANGE`;
    0.5 for a label whose recordings lie in fewer than two folds (no out-of-fold figure)."""
    folds = json.loads((Path(sel["work"]) / "clips" / "folds.json").read_text())["per_fold"] if "work" in sel else None
    out = []
    for lab in LABELS:
        t = float(np.clip(sel["thresholds"][lab], *THRESHOLD_RANGE))
        if folds is not None and sum(1 for f in folds.values() if f["recordings"][lab]) < 2:
            t = 0.5
        out.append(t)
    return np.array(out)


def _head_words(sel: dict) -> str:
    """The chosen head in words, e.g. "the mean logit of 3 MLPs of 512 hidden units, one per seed"."""
    cfg = sel["candidates"][sel["chosen"]]["config"]
    k = cfg.get("members", 1)
    return (f"the mean logit of {k} MLPs of {cfg['hidden']} hidden units, one per seed" if k > 1
            else f"an MLP of {cfg['hidden']} hidden units")


def check_clips(work: Path, held, n: int, n_folds: int, seed0: int = 20) -> list[np.ndarray]:
    """Mel power of ``n`` re-mixed clips of each fold (seeds ``seed0 + fold``): the precision checks' clips."""
    sys.path.insert(0, str(Path(__file__).parent))
    import importlib
    mix = importlib.import_module("2_mix_embed")
    from training.film import FILM_MIXER, training_recordings
    recs, folds = training_recordings(work, held)
    beds = mix.balanced_beds(mix.training_beds(work, held), 60, 20)
    return fold_clips(recs, folds, beds, n, seed0, n_folds, FILM_MIXER)


def bf16_check(net, a, sel, th, held) -> dict:
    """The card's ``inference`` block: bf16 against fp32 on re-mixed clips of each fold; bf16 is
    listed when at most 1 % of the decisions change (:mod:`training.precision_check`)."""
    chk = flip_check(net, th, check_clips(a.work, held, a.check_clips, sel["folds"]), "bf16")
    passed = chk.pop("passed")
    chk.pop("score_abs_diff_p99")  # the card's bf16 block keeps its earlier fields
    return {"precisions": ["fp32"] + (["bf16"] if passed else []),
            "bf16": "the aiSFX encoder's convolutions after the first in bfloat16 (BatchNorm folded in), "
                    "float32 elsewhere; chosen by precision='auto' on CPUs with native bfloat16 and no int8 dot products (VNNI)",
            "bf16_check": chk}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--encoder-from", type=Path, default=Path("trained"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check-clips", type=int, default=200)
    ap.add_argument("--select", default="select", help="stage 3's (select) or 3b's (select21, select22) choice")
    ap.add_argument("--version", default="2.0")
    ap.add_argument("--train-on-test-packages", action="store_true",
                    help="stages 2b/2c ran with it (model 2.5 on): the check's clips and the card follow")
    a = ap.parse_args(argv)
    sel_dir = a.work / a.select
    sel = json.loads((sel_dir / "selection.json").read_text())
    sel["work"] = str(a.work)
    net = build(a.encoder_from, sel_dir / "head.safetensors")
    tuned = "settings" in sel  # stage 3b: thresholds and segmentation tuned together
    th = np.array([sel["thresholds"][lab] for lab in LABELS]) if tuned else decision_thresholds(sel)

    # the exported network reproduces the trained head on stored embeddings
    from training.heads import Head, HeadConfig
    state = load_file(str(sel_dir / "head.safetensors"))
    ref_head = Head(state["mean"], state["std"], HeadConfig(hidden=state["net.1.weight"].shape[0]))
    ref_head.load_state_dict(state)
    emb = (np.load(a.work / "regions" / "fold0.npz")["tl_emb"][:500] if tuned
           else np.load(a.work / "clips" / "fold0.npz")["emb_norm"][:500])
    diff = float(np.abs(stream_head(net)(torch.from_numpy(emb)) - ref_head.scores(emb)).max())
    assert diff < 1e-5, diff

    # bf16 against fp32 on re-mixed clips of each fold
    from training.film import held_out_packages
    held = held_out_packages(a.train_on_test_packages)
    if bf16_runnable():
        inference = bf16_check(net, a, sel, th, held)
    else:  # the card then validates fp32 only; export again on a CPU with bfloat16 to check it
        inference = {"precisions": ["fp32"], "bf16_check": {"skipped": f"{NO_BF16} (the exporting CPU)"}}
        print(f"bf16 not checked: {NO_BF16}; the card lists fp32 only", flush=True)
    if tuned:
        defaults = asdict(DetectionSettings())
        detection = {k: v for k, v in sel["settings"].items() if k != "thresholds" and v != defaults[k]}
        training = {"selection": {k: sel[k] for k in ("folds", "regions", "examples", "positives", "chosen",
                                                      "fold_packages", "untuned_labels", "train_extra", "scored_floors")
                                  if k in sel},
                    "thresholds": "chosen with the segmentation on out-of-fold scores of cross-validation "
                                  "timelines and recordings (training.tuning); 0.5 where a label's recordings "
                                  "lie in fewer than two folds",
                    "test_packages": list(held)}
        if a.train_on_test_packages:
            training["held_out"] = ("the fresh held-out set (training/fetch/get_fresh_heldout_audio.sh); the test "
                                    "packages of models 2.0-2.4 are training data")
        metrics = {"cross_validation": {"candidates": {n: {k: c[k] for k in ("default_settings", "tuned")}
                                                       for n, c in sel["candidates"].items()},
                                        "baseline": {k: sel["baseline"][k] for k in ("default_settings", "tuned")}}}
        description = stage3b_description(sel)
    else:
        detection = {}
        training = {"selection": {k: sel[k] for k in ("folds", "clips", "positives", "chosen")},
                    "thresholds": "out-of-fold calibrated, kept within 0.2-0.9; 0.5 where a label's "
                                  "recordings lie in fewer than two folds",
                    "test_packages": json.loads((a.work / "clips" / "folds.json").read_text())["test_packages"]}
        metrics = {"cross_validation": {"front_end": sel["front_end"], "heads": sel["heads"],
                                        "baseline": sel["baseline"]}}
        description = ("Audio-only scene-component detector (7 AudioSet labels): the frozen aiSFX encoder run "
                       "once over the level-normalised soundtrack, with a head trained on film-like mixes of "
                       "real game-library recordings (music, dialogue, room tone). No video branch.")
    card = ModelCard(config=net.config, thresholds={lab: float(t) for lab, t in zip(LABELS, th)},
                     version=a.version, inference=inference, description=description, training_data=training,
                     metrics=metrics, detection=detection)
    card.preprocessing.update({"level_normalisation": "mulse_author.features.level (BS.1770-style gated loudness "
                                                      "of each block's +-7.4 s neighbourhood -> -23 LUFS, boost <= 30 dB, "
                                                      "cut <= 30 dB)",
                               "windows": "regions of 42 feature-map frames (7.8 s) every hop, from the first to the "
                                          "last frame; 40 silent frames around the stream"})
    save_checkpoint(net, card, a.out)
    print(json.dumps(inference, indent=1))


if __name__ == "__main__":
    main()
