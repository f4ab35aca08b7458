"""One clip's model inputs, the same for every data kind: audio cut or zero-padded to the clip
length, turned into a log-mel (:func:`mulse_author.features.mel.log_mel`) cropped to the model's
``audio_frames``; video sampled at ``video_frames`` evenly spaced instants, ``frame_size`` square RGB.
"""

from __future__ import annotations

import av
import numpy as np
import torch

from mulse_author.errors import MediaError
from mulse_author.features.mel import log_mel
from mulse_author.model import ModelConfig
from mulse_author.spec import HOP, SAMPLE_RATE

#: Bump when the feature computation changes: old cache entries are then ignored.
FEATURE_VERSION = 1


def clip_samples(config: ModelConfig, window_s: float) -> int:
    """Samples per clip: the window, and at least enough for ``audio_frames`` mel frames."""
    need = (config.audio_frames - 1) * HOP
    return max(int(round(window_s * SAMPLE_RATE)), need)


def mel_for_audio(audio: np.ndarray | torch.Tensor, config: ModelConfig, n_samples: int) -> torch.Tensor:
    """Log-mel ``[B, 1, n_mels, audio_frames]`` of ``[B, samples]`` (or ``[samples]``) audio,
    each row cut / zero-padded to ``n_samples`` first (the paper's per-clip computation)."""
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    if x.dim() == 1:
        x = x.unsqueeze(0)
    if x.shape[-1] >= n_samples:
        x = x[..., :n_samples]
    else:
        x = torch.nn.functional.pad(x, (0, n_samples - x.shape[-1]))
    mel = log_mel(x)  # [B, n_mels, frames]
    t = config.audio_frames
    if mel.shape[-1] < t:  # cannot happen with clip_samples(), kept for odd configs
        mel = torch.nn.functional.pad(mel, (0, t - mel.shape[-1]), value=float(mel.min()))
    return mel[..., :t].unsqueeze(1).to(torch.float32).contiguous()


def sample_video_frames(path: str, start_s: float, window_s: float, n_frames: int,
                        size: int) -> np.ndarray:
    """``[n_frames, 3, size, size]`` uint8 RGB frames at the instants
    ``start_s + (k + 0.5) * window_s / n_frames`` (the last decoded frame at or before each
    instant). Raises :class:`MediaError` when the file has no video stream."""
    targets = start_s + (np.arange(n_frames) + 0.5) * window_s / n_frames
    out = np.zeros((n_frames, 3, size, size), dtype=np.uint8)
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            if not container.streams.video:
                raise MediaError(f"{path} has no video stream (needed by the video branch)")
            stream = container.streams.video[0]
            if start_s > 0 and stream.time_base is not None:
                container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
            k = 0
            last = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * stream.time_base)
                while k < n_frames and t > targets[k] + 1e-6:
                    if last is not None:
                        out[k] = last
                    k += 1
                if k >= n_frames:
                    break
                last = frame.reformat(width=size, height=size, format="rgb24").to_ndarray().transpose(2, 0, 1)
            while k < n_frames and last is not None:
                out[k] = last
                k += 1
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"cannot decode video of {path}: {exc}") from exc
    return out
