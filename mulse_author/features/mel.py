"""Log-mel spectrogram in torch, numerically equivalent to the paper's librosa preprocessing.

Reference computation (librosa 0.10/0.11 defaults)::

    S = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=1024, hop_length=512, n_mels=60)
    librosa.power_to_db(S, ref=1.0, top_db=80)   # amin = 1e-10

i.e. a periodic Hann window, centred frames with zero padding of n_fft // 2 at both ends of the
signal, power spectrum |X|^2, Slaney-scale mel filters with Slaney area normalisation (the filter
bank is ``librosa.filters.mel``'s, recomputed with its own operations: bit-identical), then
``10 * log10(max(S, 1e-10))`` clipped at (max - 80 dB).

Precision: librosa multiplies float32 frames by a float64 window, so its FFT runs in float64 and
only the complex result is rounded to float32. A float32 FFT adds round-off of about 1e-7 of the
frame's energy to every bin, which is invisible for loud bands but grows to about 1e-2 dB for
bands 70-80 dB below the frame's loudest band. :func:`mel_power` therefore runs the STFT in
float64 by default (``precise=True``), and returns float32 power like librosa; the result matches
librosa to within 4 float32 ulps of the largest |dB| (about 3e-5 dB; measured 7.6e-6 dB, one ulp,
on synthetic and real recordings). Float64 input is computed in float64 throughout and matches
librosa's float64 result to 1e-12 dB: the algorithms are the same, all differences are rounding.
``precise=False`` (float32 FFT) measured up to 8e-4 dB, inside the 1e-3 dB bound of the issue.

top_db: librosa clips relative to the maximum of the whole array it is given. :func:`power_to_db`
clips each spectrogram of a batch relative to its own maximum (over the last two axes), which is
what the paper's per-clip computation does. The streaming computation keeps *power* mel frames,
so slicing a 10 s window and calling :func:`window_db` on it gives exactly the per-clip top_db.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ..spec import DB_AMIN, DB_REF, HOP, N_FFT, N_MELS, SAMPLE_RATE, TOP_DB

__all__ = [
    "mel_filter_bank",
    "mel_power",
    "power_to_db",
    "window_db",
    "log_mel",
    "n_frames",
    "StreamingLogMel",
]


def n_frames(n_samples: int) -> int:
    """Number of centred mel frames for a signal of ``n_samples`` samples (librosa's count)."""
    return 1 + int(n_samples) // HOP


def _slaney_hz(mels: np.ndarray) -> np.ndarray:
    """librosa.mel_to_hz(mels, htk=False), the same float64 operations in the same order."""
    f_sp = 200.0 / 3
    freqs = 0.0 + f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - 0.0) / f_sp
    logstep = np.log(6.4) / 27.0
    log_t = mels >= min_log_mel
    freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    return freqs


def _slaney_mel_bank() -> np.ndarray:
    """``librosa.filters.mel(sr=22050, n_fft=1024, n_mels=60)`` (float32 ``[60, 513]``), written
    out with librosa's own float64 operations so the values are bit-identical (checked against
    librosa in the tests) without importing librosa, whose import (numba, scipy) took about 1 s
    of every analysis."""
    fftfreqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / SAMPLE_RATE)
    f_sp = 200.0 / 3
    min_log_mel = 1000.0 / f_sp
    max_mel = min_log_mel + np.log(SAMPLE_RATE / 2 / 1000.0) / (np.log(6.4) / 27.0)  # hz_to_mel(fmax)
    mel_f = _slaney_hz(np.linspace(0.0, max_mel, N_MELS + 2))  # mel_frequencies(62, 0, 11025)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((N_MELS, N_FFT // 2 + 1), dtype=np.float32)
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2: N_MELS + 2] - mel_f[:N_MELS])  # Slaney area normalisation
    weights *= enorm[:, np.newaxis]
    return weights


@lru_cache(maxsize=8)
def _filters(dtype: torch.dtype, device: str) -> torch.Tensor:
    # librosa.feature.melspectrogram builds the bank in float32; we use those exact values.
    fb = _slaney_mel_bank()
    return torch.from_numpy(np.ascontiguousarray(fb)).to(device=device, dtype=dtype)


def mel_filter_bank(dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> torch.Tensor:
    """Slaney mel filter bank ``[60, 513]`` (librosa.filters.mel defaults, float32 values)."""
    return _filters(dtype, str(device))


@lru_cache(maxsize=8)
def _window(dtype: torch.dtype, device: str) -> torch.Tensor:
    # Periodic Hann == scipy.signal.get_window("hann", N_FFT, fftbins=True), librosa's window.
    return torch.hann_window(N_FFT, periodic=True, dtype=dtype, device=device)


def _as_tensor(audio) -> torch.Tensor:
    if isinstance(audio, np.ndarray):
        audio = torch.from_numpy(np.ascontiguousarray(audio))
    if not isinstance(audio, torch.Tensor):
        raise TypeError(f"audio must be a numpy array or torch tensor, not {type(audio).__name__}")
    if not audio.is_floating_point():
        raise TypeError(f"audio must be floating point samples in [-1, 1], got {audio.dtype}")
    return audio


def _power_from_frames(frames: torch.Tensor, out: torch.dtype) -> torch.Tensor:
    """frames ``[..., n_frames, N_FFT]`` (raw samples, already in the working precision) ->
    power mel ``[..., 60, n_frames]`` of dtype ``out``.

    Like librosa, the mel projection runs in the output precision with the float32 filter values.
    """
    device = str(frames.device)
    spec = torch.fft.rfft(frames * _window(frames.dtype, device), dim=-1)
    power = (spec.real.square() + spec.imag.square()).to(out)  # [..., frames, 513]
    return torch.matmul(power, mel_filter_bank(out, device).T).transpose(-1, -2)


def mel_power(audio, precise: bool = True) -> torch.Tensor:
    """Mel power spectrogram (not dB) of ``audio [..., samples]`` at 22 050 Hz.

    Returns ``[..., 60, 1 + samples // 512]`` (float32; float64 for float64 input),
    centred frames zero padded at both ends,
    equal to ``librosa.feature.melspectrogram(y, sr=22050, n_fft=1024, hop_length=512, n_mels=60)``.
    ``precise=False`` runs the FFT in float32 (about 2x faster, see the module docstring).
    """
    x = _as_tensor(audio)
    shape = x.shape
    out_dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    pad = N_FFT // 2
    work = torch.float64 if (precise or x.dtype == torch.float64) else torch.float32
    # Convert before framing: the frames overlap 2x, so this copies half as much.
    x = torch.nn.functional.pad(x.reshape(int(np.prod(shape[:-1])), shape[-1]).to(work), (pad, pad))
    frames = x.unfold(-1, N_FFT, HOP)  # [batch, n_frames, N_FFT], a view
    power = _power_from_frames(frames, out_dtype)
    return power.reshape(*shape[:-1], N_MELS, power.shape[-1])


def power_to_db(power: torch.Tensor, ref: float = DB_REF, amin: float = DB_AMIN,
                top_db: float | None = TOP_DB) -> torch.Tensor:
    """``librosa.power_to_db`` for ``power [..., bands, frames]``: dB with floor at (max - top_db).

    The maximum for top_db is taken per spectrogram (over the last two axes), so a batch of clips
    gives the same result as converting each clip on its own.
    """
    db = 10.0 * torch.log10(torch.clamp(power, min=amin))
    db = db - 10.0 * np.log10(max(amin, ref))
    if top_db is not None:
        if top_db < 0:
            raise ValueError("top_db must be non-negative")
        peak = db.amax(dim=(-2, -1), keepdim=True)
        db = torch.maximum(db, peak - top_db)
    return db


def window_db(power_mel_slice: torch.Tensor) -> torch.Tensor:
    """dB of a window of power mel frames (e.g. 420 frames of a 10 s window), top_db relative to
    that window's own maximum: the per-clip computation of the paper."""
    return power_to_db(power_mel_slice)


def log_mel(audio, precise: bool = True) -> torch.Tensor:
    """Log-mel ``[..., 60, frames]`` in dB of ``audio [..., samples]`` (22 050 Hz, floats).

    Matches ``librosa.power_to_db(librosa.feature.melspectrogram(...), ref=1.0, top_db=80)`` per
    item of the batch.
    """
    return power_to_db(mel_power(audio, precise=precise))


class StreamingLogMel:
    """Mel power frames of a signal that arrives in chunks, identical to :func:`mel_power` on the
    whole signal.

    Centre padding (512 zeros) is applied only at the start of the whole signal (on creation) and
    at its end (:meth:`finish`); frames in between see the real neighbouring samples. Frames are
    returned as *power* (float32 ``[60, k]``), not dB, because top_db depends on the maximum of the
    window a model looks at: call :func:`window_db` on a slice of frames to get the per-clip dB.

    Frame ``i`` is centred on sample ``i * 512`` of the signal (time ``i * 512 / 22050`` s).
    """

    def __init__(self, precise: bool = True):
        self.precise = precise
        self._buf = np.zeros(N_FFT // 2, dtype=np.float32)  # start-of-signal centre padding
        self.samples_in = 0  # samples pushed so far
        self.frames_out = 0  # frames returned so far
        self._finished = False

    def _emit(self) -> torch.Tensor:
        n = 0 if len(self._buf) < N_FFT else (len(self._buf) - N_FFT) // HOP + 1
        if n == 0:
            return torch.zeros(N_MELS, 0, dtype=torch.float32)
        work = torch.float64 if self.precise else torch.float32
        frames = torch.from_numpy(self._buf[: (n - 1) * HOP + N_FFT]).to(work).unfold(-1, N_FFT, HOP)
        out = _power_from_frames(frames, torch.float32)
        self._buf = self._buf[n * HOP:].copy()
        self.frames_out += n
        return out

    def push(self, samples) -> torch.Tensor:
        """Add samples (1-D float array at 22 050 Hz); returns the mel power frames now complete."""
        if self._finished:
            raise RuntimeError("StreamingLogMel.push() after finish()")
        x = samples.numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples)
        if x.ndim != 1:
            raise ValueError(f"push() takes 1-D mono samples, got shape {x.shape}")
        self._buf = np.concatenate([self._buf, x.astype(np.float32, copy=False)])
        self.samples_in += len(x)
        return self._emit()

    def finish(self) -> torch.Tensor:
        """End of signal: pads 512 zeros and returns the last frames (total = 1 + samples // 512)."""
        if self._finished:
            return torch.zeros(N_MELS, 0, dtype=torch.float32)
        self._finished = True
        self._buf = np.concatenate([self._buf, np.zeros(N_FFT // 2, dtype=np.float32)])
        out = self._emit()
        assert self.frames_out == n_frames(self.samples_in)
        return out
