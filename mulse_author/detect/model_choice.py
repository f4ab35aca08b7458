"""Which network an analysis runs, on which of the file's tracks, and what the author is told
about it (step 1 of :mod:`.analyze`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CheckpointError
from .inference import is_stream_model
from .windows import WINDOW_S


def resolve_model(model: Any, warnings: list[str]) -> tuple[Any, Any, str | None]:
    """``(net, card, name)`` from a BimodalNet, a (net, card) pair, a checkpoint path or None."""
    from ..model import BimodalNet, default_model_path, load_checkpoint

    if model is None:
        path = default_model_path()
        if path is None:
            warnings.append("scene detection unavailable: no trained model is installed "
                            "(trained/ holds no checkpoint); only signal cues (light colour, "
                            "flashes) are suggested")
            return None, None, None
        model = path
    if isinstance(model, (str, Path)):
        net, card = load_checkpoint(model)
        return net, card, str(model)
    if isinstance(model, tuple) and len(model) == 2:
        net, card = model
        return net, card, getattr(card, "description", "") or "in-memory model"
    if isinstance(model, BimodalNet):
        return model, None, "in-memory model (no model card)"
    raise CheckpointError(f"cannot use {type(model).__name__} as a model: pass a checkpoint path")


@dataclass
class ModelChoice:
    """The network an analysis runs and the modalities it reads (step 1)."""

    net: Any = None
    card: Any = None
    name: str | None = None
    use_audio: bool = False
    use_video: bool = False


def choose_model(model: Any, facts, warnings: list[str]) -> ModelChoice:
    """The model to run on this file, or none (signal cues only), with a warning for each
    modality the model needs and the file lacks."""
    net, card, name = resolve_model(model, warnings)
    if net is None:
        return ModelChoice(name=name)
    net.eval()
    cfg = net.config
    needs_a, needs_v = cfg.uses_audio, cfg.uses_video
    use_audio = needs_a and facts.has_audio
    use_video = needs_v and facts.has_video
    missing = [m for m, need, have in (("audio", needs_a, facts.has_audio), ("video", needs_v, facts.has_video))
               if need and not have]
    if missing and cfg.variant == "late_fusion" and (use_audio or use_video):
        warnings.append(f"the file has no {missing[0]} track: the late-fusion model uses its "
                        f"{'audio' if use_audio else 'video'} head alone")
    elif missing:
        needed = " and ".join(m for m, need in (("audio", needs_a), ("video", needs_v)) if need)
        warnings.append(f"scene detection not possible: the {cfg.variant!r} model needs {needed} "
                        f"but the file has no {' and no '.join(missing)} track; only signal cues are suggested")
        return ModelChoice(name=name)
    return ModelChoice(net, card, name, use_audio, use_video)


def input_warnings(facts, choice: ModelChoice, warnings: list[str]) -> None:
    """A note for the author for each thing about this file that limits the analysis."""
    # A stream model scores a short file as one region centred on it with silence around: the
    # recordings alone it was trained and tuned on are mostly that short, and out of fold they
    # score as well as longer ones (2026-12-08, benchmarks/RESULTS.md), so no note.  A window
    # model pads its one window instead, which it never saw in training.
    if choice.net is not None and facts.duration_s < WINDOW_S and not is_stream_model(choice.net):
        warnings.append(f"the file is {facts.duration_s:.1f} s long, shorter than the model's {WINDOW_S:g} s "
                        "window: one window covers it, padded with silence (audio) and by holding the last "
                        "frame (video); scores are less reliable")
    if not facts.has_video:
        warnings.append("no video track: light-colour and flash cues need pictures and were skipped")
    if not facts.has_audio:
        warnings.append("no audio track: effect intensities use the rules' default intensity")
