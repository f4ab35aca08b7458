"""analyze()'s stream path for ``audio_encoder="aisfx_stream"``: the CNN runs once over the audio
in chunks and each window is pooled from that map; the scores must equal a one-pass feature map
over the whole signal pooled per window, whatever the chunking of the decode."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.detect.inference import region_starts
from mulse_author.detect.scheduling import WindowRunner
from mulse_author.detect.windows import window_starts
from mulse_author.features.mel import StreamingLogMel, mel_power
from mulse_author.model import BimodalNet, load_checkpoint
from mulse_author.model.precision import NO_BF16, bf16_runnable

TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture(scope="module")
def stream_net():
    """The shipped aisfx weights under the stream encoder (real weights: a random CNN gives
    near-constant scores, which would hide pooling mistakes)."""
    if not (TRAINED / "model.safetensors").exists():
        pytest.skip("no trained model")
    net, _ = load_checkpoint(TRAINED)
    if not net.config.audio_encoder.startswith("aisfx"):
        pytest.skip("shipped model is not an aisfx model")
    stream = BimodalNet(net.config.replace(audio_encoder="aisfx_stream")).eval()
    stream.load_state_dict(net.state_dict())
    # a seeded random head over the real features: the shipped head is (rightly) silent on this
    # noise and tone, and scores that never move would make the equality checks below trivial
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for layer in (stream.audio.fc, stream.audio_head):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) / layer.weight.shape[1] ** 0.5)
            layer.bias.zero_()
    return stream


def _audio(seconds: float) -> np.ndarray:
    n = int(seconds * 22050)
    g = torch.Generator().manual_seed(1)
    t = torch.arange(n) / 22050
    x = 0.05 * torch.randn(n, generator=g) + 0.3 * torch.sin(2 * np.pi * 300 * t) * (t > 20)
    return x.numpy().astype(np.float32)


def _runner_scores(net, audio: np.ndarray, hop: float, chunk: int,
                   workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores and region starts (s) through analyze()'s runner, audio fed ``chunk`` samples at a time."""
    dur = audio.size / 22050
    starts = window_starts(dur, hop)
    r = WindowRunner(net, True, False, starts, dur, workers=workers, hop_s=hop)
    assert r.stream
    ms = StreamingLogMel(precise=False)
    for i in range(0, audio.size, chunk):
        r.add_mel(ms.push(audio[i:i + chunk]).numpy())
        r.run()
    r.add_mel(ms.finish().numpy())
    r.run(final=True)
    scores, win_starts, _ = r.finish()
    return scores, win_starts


def _one_pass_scores(stream_net, audio: np.ndarray, hop: float) -> np.ndarray:
    """Reference written out independently: one map over the whole signal with 40 silent frames
    before it and after it (padded to whole map frames), each region's 42 frames max/mean
    pooled, then the head."""
    power = mel_power(torch.from_numpy(audio), precise=False).float()
    n = -(-power.shape[1] // 8)
    power = torch.nn.functional.pad(power, (40, n * 8 - power.shape[1] + 40))
    enc = stream_net.audio.encoder
    q = region_starts(n, hop)
    with torch.inference_mode():
        fmap = enc.stream_feature_map(power)
        emb = torch.stack([torch.cat([fmap[:, a + 5:a + 47].amax(1), fmap[:, a + 5:a + 47].mean(1)]) for a in q])
        return torch.sigmoid(stream_net.fuse(stream_net.audio.project(emb), None)).numpy()


@pytest.mark.parametrize("hop,chunk", [(1.0, 44100), (2.5, 30000), (1.0, 176400)])  # 2 s, odd, 8 s (MEL_BATCH_S)
def test_stream_scores_equal_one_pass_map_pooled_per_window(stream_net, hop, chunk):
    audio = _audio(75.3)
    scores, starts = _runner_scores(stream_net, audio, hop, chunk)
    ref = _one_pass_scores(stream_net, audio, hop)
    assert scores.shape == ref.shape
    assert np.abs(scores - ref).max() < 1e-4
    assert scores.std(0).max() > 0.01  # the tone from 20 s on changes the scores
    # every instant is scored: the first region starts at 0 s, the last ends at the end
    assert starts[0] == 0.0 and starts[-1] + 42 * 8 * 512 / 22050 >= 75.3 - 8 * 512 / 22050


def test_parallel_chunks_finishing_out_of_order_are_joined_in_order(stream_net, monkeypatch):
    """Short chunks on three workers, earlier chunks made slower so later ones finish first:
    several chunks run at once and the joined map (hence the scores) is still the one-pass map."""
    import mulse_author.detect.inference as inference_mod

    monkeypatch.setattr(inference_mod, "STREAM_CHUNK", 256)  # 75 s -> 13 chunks
    enc = stream_net.audio.encoder
    real = enc.feature_map_chunk
    lock = threading.Lock()
    state = {"calls": 0, "running": 0, "most": 0}

    def slow_chunk(mel, first, n):
        with lock:
            k = state["calls"]
            state["calls"] += 1
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
        time.sleep(0.15 if k % 3 == 0 else 0.02)  # every third chunk finishes after its successors
        try:
            return real(mel, first, n)
        finally:
            with lock:
                state["running"] -= 1

    monkeypatch.setattr(enc, "feature_map_chunk", slow_chunk)
    audio = _audio(75.3)
    scores, starts = _runner_scores(stream_net, audio, 1.0, 300000, workers=3)
    monkeypatch.undo()
    assert state["calls"] >= 12
    assert state["most"] >= 3  # three chunks in flight at once
    ref = _one_pass_scores(stream_net, audio, 1.0)
    assert np.abs(scores - ref).max() < 1e-4


def test_worker_error_stops_the_stream(stream_net, monkeypatch):
    """A chunk that fails raises its error to the caller; the workers are stopped."""
    enc = stream_net.audio.encoder

    def broken(mel, first, n):
        raise RuntimeError("chunk failed")

    monkeypatch.setattr(enc, "feature_map_chunk", broken)
    audio = _audio(75.3)
    with pytest.raises(RuntimeError, match="chunk failed"):
        _runner_scores(stream_net, audio, 1.0, 44100, workers=2)


def test_file_shorter_than_a_window_gets_one_region_centred_in_silence(stream_net):
    audio = _audio(6.0)
    scores, starts = _runner_scores(stream_net, audio, 1.0, 44100)
    power = mel_power(torch.from_numpy(audio), precise=False).float()
    n = -(-power.shape[1] // 8)  # 33 map frames: 4 frames of silence before, 5 after
    left = (42 - n) // 2
    w = torch.nn.functional.pad(power, (40 + 8 * left, 8 * (42 - n - left) + n * 8 - power.shape[1] + 40))
    enc = stream_net.audio.encoder
    with torch.inference_mode():
        fmap = enc.stream_feature_map(w)[:, 5:47]
        emb = torch.cat([fmap.amax(1), fmap.mean(1)])[None]
        ref = torch.sigmoid(stream_net.fuse(stream_net.audio.project(emb), None)).numpy()
    assert scores.shape == (1, 7) and np.abs(scores - ref).max() < 1e-5
    assert starts[0] == 0.0


@pytest.mark.skipif(not bf16_runnable(), reason=NO_BF16)
def test_bf16_stream_scores_stay_close_to_fp32(stream_net):
    """The shipped weights in bf16 (first convolution in fp32): scores within the validated
    error (max |diff| 0.03 on real validation clips, see the model card), and not identical."""
    audio = _audio(40.0)
    try:
        stream_net.audio.encoder.precision = "fp32"
        ref, _ = _runner_scores(stream_net, audio, 1.0, 44100)
        stream_net.audio.encoder.precision = "bf16"
        low, _ = _runner_scores(stream_net, audio, 1.0, 44100)
    finally:
        stream_net.audio.encoder.precision = "fp32"
    diff = np.abs(low - ref)
    assert 0 < diff.max() < 0.05


def test_analyze_reports_the_precision_and_leaves_the_model_as_it_was(stream_net, tmp_path):
    from videogen import write_media

    from mulse_author.detect.analyze import analyze
    from mulse_author.model import ModelCard

    path = write_media(tmp_path / "a.m4a", 12.0, None, lambda t: 0.05 * np.sin(2 * np.pi * 440 * t),
                       container="mp4")
    card = ModelCard(config=stream_net.config, inference={"precisions": ["fp32", "bf16"]})
    # a CPU without bfloat16 convolutions runs a forced bf16 in fp32 (tests/model/test_precision.py)
    for asked, expect in (("fp32", "fp32"), ("bf16", "bf16" if bf16_runnable() else "fp32")):
        doc = analyze(path, model=(stream_net, card), precision=asked)
        assert doc.analysis["precision"] == expect
        assert stream_net.audio.encoder.precision == "fp32"
    with pytest.raises(Exception, match="precision"):
        analyze(path, model=(stream_net, card), precision="half")


def test_a_short_file_under_a_stream_model_gets_no_reliability_note(stream_net, tmp_path):
    """A stream model scores a file shorter than a window as one region with silence around, as
    it was trained; only a window model (tests/detect/test_analyze.py) is told it pads a window."""
    from videogen import write_media

    from mulse_author.detect.analyze import analyze

    path = write_media(tmp_path / "short.m4a", 3.0, None, lambda t: 0.05 * np.sin(2 * np.pi * 440 * t),
                       container="mp4")
    doc = analyze(path, model=stream_net)
    assert doc.analysis["scene_detection"] and doc.analysis["windows"] == 1
    assert not [w for w in doc.analysis["warnings"] if "shorter than" in w or "reliable" in w]


def test_stream_context_covers_the_receptive_field(stream_net):
    """40 frames of context give exactly the one-pass map; too little context does not (so the
    comparison can fail), and the detector and the encoder share mulse_author.spec's values."""
    import mulse_author.detect.inference as inference_mod
    from mulse_author import spec
    from mulse_author.model.encoders import aisfx

    assert inference_mod.STREAM_CONTEXT is spec.STREAM_CONTEXT == aisfx.STREAM_CONTEXT
    assert inference_mod.POOL_FRAMES == aisfx.POOL_FRAMES == 42 and inference_mod.FMAP_STRIDE == aisfx.FMAP_STRIDE
    assert spec.STREAM_CONTEXT % 8 == 0 and spec.STREAM_CONTEXT >= spec.RF_HALF_WIDTH
    power = mel_power(torch.from_numpy(_audio(30.0)), precise=False).float()
    enc = stream_net.audio.encoder
    with torch.inference_mode():
        t = power.shape[1] // 8 * 8
        one = enc.feature_map_chunk(power[:, :t], 0, t // 8)
        chunked = enc.stream_feature_map(power[:, :t], chunk=256, context=aisfx.STREAM_CONTEXT)
        short = enc.stream_feature_map(power[:, :t], chunk=256, context=8)
    assert torch.equal(chunked, one)
    assert not torch.allclose(short, one, atol=1e-4)


def test_heap_is_trimmed_every_few_chunks_and_at_the_end(stream_net, monkeypatch):
    """malloc_trim returns the arenas' pages, so calling it after each chunk made every chunk
    fault its activations in afresh; it runs every TRIM_EVERY_CHUNKS chunks and once at the end."""
    import mulse_author.detect.inference as inference_mod
    import mulse_author.detect.scheduling as scheduling_mod

    calls = []
    monkeypatch.setattr(inference_mod, "STREAM_CHUNK", 256)
    monkeypatch.setattr(scheduling_mod, "TRIM_EVERY_CHUNKS", 4)
    monkeypatch.setattr(scheduling_mod, "_release_free_heap", lambda: calls.append(1))
    audio = _audio(75.3)  # 3243 mel frames -> 13 chunks of 256
    _runner_scores(stream_net, audio, 1.0, 44100)
    assert len(calls) == 13 // 4 + 1
