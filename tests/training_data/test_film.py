"""Film-like training material (training.film) and clip embeddings (training.embed)."""


import numpy as np
import pytest

from training.datasets.recordings import Recording
from training.film import (
    FILM_MIXER,
    NOISE_KINDS,
    RESERVED_PACKAGES,
    TEST_PACKAGES,
    TEST_VOICES,
    TRAIN_VOICES,
    assign_folds,
    label_of,
    noise_bed,
    read_corpus,
)


def test_test_voices_and_packages_are_kept_apart():
    assert not set(TRAIN_VOICES) & set(TEST_VOICES)
    assert not set(TEST_PACKAGES) & set(RESERVED_PACKAGES)


def test_folds_cover_every_training_package_and_no_test_package():
    recs = []
    for i, pkg in enumerate(["a", "b", "c", "d", "e", "f", TEST_PACKAGES[0]]):
        for lab in ("Wind", "Gunshot"):
            recs.append(Recording(f"/x/{pkg}_{lab}.ogg", (lab,), pkg, duration_s=10.0 + i))
    folds = assign_folds(recs, 4)
    assert set(folds) == {"a", "b", "c", "d", "e", "f"}
    assert set(folds.values()) == {0, 1, 2, 3}


def test_test_packages_join_the_folds_only_when_asked():
    """Model 2.5 on trains on the old test packages (the fresh set is the held-out set)."""
    from training.film import held_out_packages

    recs = [Recording(f"/x/{p}.ogg", ("Wind",), p, duration_s=10.0) for p in ("a", "b", TEST_PACKAGES[0])]
    assert TEST_PACKAGES[0] not in assign_folds(recs, 2)
    assert held_out_packages() == TEST_PACKAGES and held_out_packages(True) == ()
    assert set(assign_folds(recs, 2, exclude=held_out_packages(True))) == {"a", "b", TEST_PACKAGES[0]}


def test_reserved_packages_are_refused(tmp_path):
    d = tmp_path / "train" / "rain"
    d.mkdir(parents=True)
    (tmp_path / "manifest.tsv").write_text("split\tlabel\tpackage\tsource\tduration_s\n")
    (d / f"{RESERVED_PACKAGES[0]}__rain.ogg").write_bytes(b"")
    with pytest.raises(ValueError, match="reserved"):
        read_corpus(tmp_path)


def test_labels_of_corpus_folders():
    assert [label_of(x) for x in ("wind", "gunshot", "explosion", "ocean")] == ["Wind", "Gunshot", "Explosion", "Ocean"]


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_noise_beds_are_unit_rms_and_deterministic(kind):
    a, b = noise_bed(kind, 2.0, 5), noise_bed(kind, 2.0, 5)
    assert np.array_equal(a, b)
    assert abs(np.sqrt(np.mean(a.astype(np.float64) ** 2)) - 1.0) < 1e-3


def test_film_mixer_puts_events_under_and_over_the_bed():
    assert FILM_MIXER.snr_db[0] < 0 < FILM_MIXER.snr_db[1]
    assert FILM_MIXER.p_no_label >= 0.2 and FILM_MIXER.max_backgrounds >= 3


def test_clip_embedding_is_the_central_region_of_the_app_map():
    """The training example of a 10 s clip equals the app's stream map of a 10 s file pooled
    over the central region (same front end, same silence around the file)."""
    torch = pytest.importorskip("torch")
    from mulse_author.detect.inference import EDGE_PAD, POOL_FRAMES, clip_embeddings, padded_stream
    from mulse_author.model import BimodalNet, ModelConfig

    net = BimodalNet(ModelConfig.compact("audio").replace(audio_encoder="aisfx_stream_norm")).eval()
    enc = net.audio.encoder
    rng = np.random.default_rng(0)
    power = (rng.random((2, 60, 431)) ** 3 * 0.01).astype(np.float32)
    emb, a, b = clip_embeddings(enc, power, True)
    q = (54 - POOL_FRAMES) // 2
    for i in range(2):
        with torch.inference_mode():
            fmap = enc.stream_feature_map(torch.from_numpy(padded_stream(power[i], True)))
        seg = fmap[:, q + EDGE_PAD // 8: q + EDGE_PAD // 8 + POOL_FRAMES]
        ref = torch.cat([seg.amax(1), seg.mean(1)])
        assert torch.allclose(emb[i], ref, atol=1e-5)
    assert abs(a - q * 8 * 512 / 22050) < 1e-9 and b > a


def _wav(path, seconds=1.0):
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(22050 * seconds), np.float32), 22050)


def test_fresh_held_out_set_reads_its_own_recordings_and_music(tmp_path):
    """The layout get_fresh_heldout_audio.sh writes: events under test/, music under beds/; the
    set holds the fresh recordings and music, the test-voice dialogue of WORK, and no training file."""
    from training.report_detector import FRESH2, fresh_set

    fresh, work = tmp_path / "fresh", tmp_path / "work"
    (fresh).mkdir()
    (fresh / "manifest.tsv").write_text("split\tlabel\tpackage\tsource\tduration_s\n")
    _wav(fresh / "test" / "explosion" / "pkga__boom.wav")
    _wav(fresh / "test" / "rain" / "pkgb__rain.wav")
    _wav(fresh / "beds" / "music" / "pkgc__song.wav")
    _wav(fresh / "train" / "wind" / "pkgd__wind.wav")  # not part of the held-out set
    _wav(work / "film" / "dialogue_test" / "d0.wav")
    held = fresh_set(fresh, work)
    assert sorted((r.labels, r.source) for r in held.recordings) == [(("Explosion",), "pkga"), (("Rain",), "pkgb")]
    assert [p.rsplit("/", 1)[-1] for p in held.music] == ["pkgc__song.wav"]
    assert held.packages == ["pkga", "pkgb", "pkgc"] and len(held.dialogue) == 1
    assert held.name == "fresh held-out set"
    # the second fresh set has no music: its timelines play over the first set's
    fresh2 = tmp_path / "fresh2"
    _wav(fresh2 / "test" / "gunshot" / "pkge__colt.wav")
    (fresh2 / "manifest.tsv").write_text("split\tlabel\tpackage\tsource\tduration_s\n")
    second = fresh_set(fresh2, work, music_from=fresh, name=FRESH2)
    assert [r.source for r in second.recordings] == ["pkge"] and second.music == held.music
    assert second.name == "second fresh held-out set" and second.packages == ["pkgc", "pkge"]
    with pytest.raises(RuntimeError, match="no music under"):
        fresh_set(fresh2, work)
    (fresh / "beds" / "music" / "pkgc__song.wav").unlink()
    with pytest.raises(RuntimeError, match="no fresh recordings under"):
        fresh_set(fresh, work)
