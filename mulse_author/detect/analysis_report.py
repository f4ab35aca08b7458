"""``doc.analysis``: what an analysis ran and how (step 7 of :mod:`.analyze`)."""

from __future__ import annotations

from dataclasses import asdict

from ..effects.overlaps import MIN_PIECE_MS
from ..labels import LABELS
from .model_choice import ModelChoice
from .windows import WINDOW_S


def analysis_report(choice: ModelChoice, runner, used_precision, settings, cue_settings, rules, hop_s,
                     n_windows, n_scene, n_flat, n_cut, n_before, warnings, total_s, decode_s) -> dict:
    """Step 7: ``doc.analysis``, what was run and how (shown in the GUI, kept in the project)."""
    net, card = choice.net, choice.card
    return {
        "scene_detection": runner is not None,
        "model": choice.name,
        "model_variant": net.config.variant if net is not None else None,
        "model_version": getattr(card, "version", None),
        "precision": used_precision,
        "thresholds": ({lab: settings.high_threshold(lab, card.thresholds if card else None) for lab in LABELS}
                       if runner is not None else None),
        "hop_s": float(hop_s),
        "window_s": WINDOW_S,
        "windows": int(n_windows),
        "settings": asdict(settings),
        "cue_settings": asdict(cue_settings),
        "rules": rules.source,
        "suggestions": {"scene": n_scene, "cues": n_flat - n_scene},
        "overlaps": {
            "rule": ("suggestions of one effect at one location never overlap: where they did, the "
                     "strongest (highest intensity, then confidence) plays at each instant; pieces "
                     f"under {MIN_PIECE_MS} ms are absorbed by a weaker neighbour"),
            "suggestions_cut": n_cut,
            "before": n_before,
            "after": n_flat,
        },
        "timings_s": {"total": round(total_s, 3), "decode_and_features": round(decode_s, 3),
                      "network": round(runner.model_s, 3) if runner is not None else 0.0},
        "warnings": warnings,
    }
