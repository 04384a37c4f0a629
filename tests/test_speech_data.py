"""The offline audio sets: espeak-ng spoken digits, the Asterisk real voice, synthetic bird calls."""

import shutil

import numpy as np
import pytest
import torch

from helpers.data import MissingDataError, speech

HAVE_ESPEAK = shutil.which("espeak-ng") is not None
HAVE_ASTERISK = speech.find_asterisk_digits() is not None


@pytest.fixture(scope="module")
def prepared():
    """The course's prepared speech data (built here, as `make setup` would, when missing)."""
    if not (HAVE_ESPEAK and HAVE_ASTERISK):
        pytest.skip("espeak-ng / asterisk-core-sounds-en-wav not installed (scripts/setup_system.sh)")
    assert speech.prepare_speech(quiet=True)
    return speech.speech_dir()


def test_speaker_table_is_fixed_and_covers_every_accent_in_every_split():
    table = speech.speaker_table()
    assert table == speech.speaker_table()
    assert len(table) == 60 and len({row["name"] for row in table}) == 60
    for split, ids in speech.SPLIT_SPEAKERS.items():
        rows = [table[i] for i in ids]
        assert all(row["split"] == split for row in rows)
        assert {row["voice"] for row in rows} == set(speech.ESPEAK_ACCENTS)


def test_trim_silence_keeps_the_voiced_part_and_a_margin():
    sr = 16000
    x = np.zeros(sr, dtype=np.float32)
    x[5000:9000] = np.sin(np.arange(4000) * 0.3)
    x += 1e-4 * np.random.default_rng(0).standard_normal(sr).astype(np.float32)
    y = speech.trim_silence(x, sr, margin_s=0.02)
    assert (y**2).sum() >= (x[5000:9000] ** 2).sum()  # the whole tone is kept
    assert 4000 <= len(y) <= 4000 + 2 * 320 + 2 * 160  # plus margins and frame rounding
    assert np.abs(y[:200]).max() < 0.01


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed")
def test_espeak_has_every_accent_and_variant_of_the_table():
    assert speech.missing_espeak_voices() == []


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed")
def test_one_synthesised_clip_is_16k_trimmed_and_normalised(tmp_path):
    row = speech.speaker_table()[3]
    name, clip = speech._synthesise((row, 7, str(tmp_path)))
    assert name == "s03_7.wav" and clip.dtype == np.float32
    assert 0.15 * 16000 < len(clip) < 1.0 * 16000
    assert np.abs(clip).max() == pytest.approx(0.9, abs=1e-4)
    frame = 160
    rms = np.sqrt((clip[: len(clip) // frame * frame].reshape(-1, frame) ** 2).mean(1))
    # no silent edges: a frame within 20 ms (+ one frame) of each end is at most 40 dB down
    assert rms[:4].max() >= rms.max() / 100 and rms[-4:].max() >= rms.max() / 100


def test_loaders_say_how_to_get_missing_data(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGCOURSE_DATA", str(tmp_path))
    with pytest.raises(MissingDataError, match="apt-get install .*espeak-ng"):
        speech.load_spoken_digits("train")
    with pytest.raises(MissingDataError, match="asterisk-core-sounds-en-wav"):
        speech.load_real_digits()


def test_prepare_without_system_packages_prints_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUGCOURSE_DATA", str(tmp_path))
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    monkeypatch.setattr(speech, "ASTERISK_DIGIT_DIRS", (tmp_path / "nowhere",))
    assert speech.prepare_speech() is False
    out = capsys.readouterr().out
    assert "espeak-ng not found" in out and "Asterisk digit recordings not found" in out
    assert "sudo apt-get install --no-install-recommends espeak-ng asterisk-core-sounds-en-wav" in out
    assert not (tmp_path / "speech" / "espeak").exists()


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="split"):
        speech.load_spoken_digits("dev")
    with pytest.raises(ValueError, match="length"):
        speech.load_spoken_digits("train", length=0)
    with pytest.raises(ValueError, match="snr_db"):
        speech.make_bird_calls(snr_db=(20.0, 5.0))
    with pytest.raises(ValueError, match="n_per_species"):
        speech.make_bird_calls(n_per_species=0)


def test_spoken_digit_splits(prepared):
    sets = {s: speech.load_spoken_digits(s) for s in ("train", "val", "test")}
    assert [len(sets[s]) for s in ("train", "val", "test")] == [400, 100, 100]
    for s, data in sets.items():
        assert data.waveforms.shape == (len(data), 16000) and data.waveforms.dtype == torch.float32
        assert data.sample_rate == 16000 and data.classes[7] == "seven"
        assert torch.bincount(data.labels, minlength=10).tolist() == [len(data) // 10] * 10
        assert set(data.speakers.tolist()) == set(speech.SPLIT_SPEAKERS[s])
        assert float(data.waveforms.abs().max()) <= 1.0
        assert bool((data.lengths > 0.15 * 16000).all())
        padding = torch.arange(16000)[None] >= data.lengths[:, None]
        assert torch.count_nonzero(data.waveforms[padding]) == 0
    everything = speech.load_spoken_digits("all", length=None)
    assert len(everything) == 600 and everything.waveforms.shape[1] == int(everything.lengths.max())


def test_prepare_is_idempotent(prepared):
    manifest = prepared / "espeak" / "manifest.csv"
    before = manifest.stat().st_mtime_ns
    assert speech.prepare_speech(quiet=True)
    assert manifest.stat().st_mtime_ns == before


def test_real_digits_are_telephone_band_recordings(prepared):
    data = speech.load_real_digits()
    assert len(data) == 10 and data.labels.tolist() == list(range(10))
    assert (prepared / "real" / "ATTRIBUTION.txt").read_text().count("CC-BY-SA 3.0") == 1
    spectrum = torch.fft.rfft(data.waveforms).abs().pow(2).sum(0)
    freqs = torch.fft.rfftfreq(16000, 1 / 16000)
    assert float(spectrum[freqs > 4100].sum() / spectrum.sum()) < 0.01  # recorded at 8 kHz


def test_bird_calls_are_seeded_and_species_differ_in_pitch():
    a = speech.make_bird_calls(n_per_species=12, seed=3)
    b = speech.make_bird_calls(n_per_species=12, seed=3)
    assert torch.equal(a.waveforms, b.waveforms)
    assert not torch.equal(a.waveforms, speech.make_bird_calls(n_per_species=12, seed=4).waveforms)
    assert a.waveforms.shape == (60, 16000) and a.classes[2:4] == ["low trill", "high trill"]
    assert torch.bincount(a.labels).tolist() == [12] * 5
    assert bool((a.speakers // 6 == a.labels).all())
    power = torch.fft.rfft(a.waveforms).abs()
    freqs = torch.fft.rfftfreq(16000, 1 / 16000)
    band = (freqs > 1500) & (freqs < 5000)  # where the fundamentals lie
    peaks = freqs[band][power[:, band].argmax(1)]
    low, high = peaks[a.labels == 2], peaks[a.labels == 3]
    assert float(low.max()) < float(high.min())  # the two trills never overlap in pitch...
    # ...and lie ~6 semitones apart (each bird has its own +-4 % pitch, each clip +-2 %)
    assert abs(12 * float(torch.log2(high.median() / low.median())) - 6.0) < 1.5
