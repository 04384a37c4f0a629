"""Offline audio sets: spoken digits (synthetic voices + one real voice) and synthetic bird calls.

* **Spoken digits, synthetic speakers.** ``prepare_speech`` has the ``espeak-ng`` speech
  synthesiser (Debian package ``espeak-ng``) say "zero" ... "nine" with 60 speakers: 8 English
  accents x voice variants (male, female, Klatt, croaky) x speaking rates x pitches, 600
  clips. Each clip is resampled to 16 kHz, trimmed of leading and trailing silence and
  written as a 16-bit WAV under ``data/speech/espeak/``. Speakers are split 40 / 10 / 10
  into train / val / test, so validation and test voices are never heard in training.
* **Spoken digits, one real speaker.** The recordings ``digits/0.wav`` ... ``9.wav`` of the
  Asterisk telephony prompts (Debian ``asterisk-core-sounds-en-wav``; voice of Allison
  Smith, CC-BY-SA 3.0), 8 kHz telephone-band audio, resampled to 16 kHz and trimmed the
  same way: a small held-out test of whether a model trained on synthetic voices hears a
  human one.
* **Bird calls (synthetic).** :func:`make_bird_calls` generates frequency-modulated chirps
  for five invented "species" with pink background noise, from a seed, in memory. They are
  signal-processing stand-ins for a bird-call contest task, not recordings of birds.

WAV files are read and written with ``soundfile`` (no FFmpeg needed).
"""

from __future__ import annotations

import csv
import math
import os
import random
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._extras import require
from .._validate import check_int, check_range
from .paths import MissingDataError, data_root

SAMPLE_RATE = 16000
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
ESPEAK_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "croak")
N_SPEAKERS = 60
SPLIT_SPEAKERS = {"train": range(0, 40), "val": range(40, 50), "test": range(50, 60)}
SPEECH_VERSION = "espeak-digits-v1"

ASTERISK_DIGIT_DIRS = (
    Path("/usr/share/asterisk/sounds/en_US_f_Allison/digits"),
    Path("/usr/share/asterisk/sounds/en/digits"),
    Path("/var/lib/asterisk/sounds/en/digits"),
)
ASTERISK_ATTRIBUTION = (
    "Recordings of the digits 0-9 from the Asterisk core sound prompts (English, US),\n"
    "recorded by Allison Smith (http://www.theivrvoice.com), financial contribution by\n"
    "Digium, Inc.; licensed CC-BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/).\n"
    "Taken from the Debian package asterisk-core-sounds-en-wav; resampled from 8 kHz to\n"
    "16 kHz and trimmed of silence for this course.\n"
)

INSTALL_HINT = (
    "On Debian/Ubuntu run\n"
    "    sudo apt-get install --no-install-recommends espeak-ng asterisk-core-sounds-en-wav\n"
    "then `python -m helpers.data prepare` (`make setup` does both). On a hosted notebook "
    "(root): `!apt-get install -y espeak-ng asterisk-core-sounds-en-wav`, then "
    "`!python -m helpers.data prepare`."
)


@dataclass
class AudioSet:
    """Labelled clips at one sample rate, zero-padded into one batch.

    ``waveforms``: float32 ``(N, T)`` in [-1, 1]; ``lengths``: int64 ``(N,)``, samples before
    padding; ``labels``: int64 ``(N,)`` indexing ``classes``; ``speakers``: int64 ``(N,)``
    indexing ``speaker_names`` (for bird calls: the individual bird).
    """

    waveforms: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor
    speakers: torch.Tensor
    sample_rate: int
    classes: list[str]
    speaker_names: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"AudioSet(clips={len(self)}, shape={tuple(self.waveforms.shape)}, "
                f"sample_rate={self.sample_rate}, classes={len(self.classes)}, "
                f"speakers={len(self.speaker_names)})")


# ----------------------------------------------------------------------------- preparation

def speech_dir() -> Path:
    """Where the prepared speech lives: ``<data root>/speech``."""
    return data_root() / "speech"


def speaker_table(n_speakers: int = N_SPEAKERS, seed: int = 0) -> list[dict]:
    """The synthetic speakers: accent, voice variant, rate (words/min) and pitch (0-99).

    Accents cycle so that every split hears all eight; variants, rates and pitches are drawn
    from a seeded generator, so the table is the same on every machine.
    """
    rng = random.Random(seed)
    table = []
    for i in range(n_speakers):
        table.append({
            "speaker": i,
            "voice": ESPEAK_ACCENTS[i % len(ESPEAK_ACCENTS)],
            "variant": rng.choice(ESPEAK_VARIANTS),
            "speed": rng.randrange(120, 200, 5),
            "pitch": rng.randrange(20, 80, 5),
        })
    for row in table:
        row["split"] = next(s for s, ids in SPLIT_SPEAKERS.items() if row["speaker"] in ids)
        row["name"] = f"{row['voice']}+{row['variant']} {row['speed']}wpm p{row['pitch']}"
    return table


def trim_silence(x: np.ndarray, sample_rate: int, *, threshold_db: float = -40.0,
                 margin_s: float = 0.02, frame_s: float = 0.01) -> np.ndarray:
    """Cut leading and trailing frames quieter than ``threshold_db`` below the loudest frame.

    ``x``: 1-D float array. Frames of ``frame_s`` seconds are compared by RMS; ``margin_s``
    seconds are kept on each side of the voiced part.
    """
    frame = max(1, int(frame_s * sample_rate))
    n = len(x) // frame
    if n == 0:
        return x
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-20)
    level = 20 * np.log10(rms / rms.max())
    loud = np.flatnonzero(level > threshold_db)
    margin = int(margin_s * sample_rate)
    start = max(0, loud[0] * frame - margin)
    end = min(len(x), (loud[-1] + 1) * frame + margin)
    return x[start:end]


def _to_16k(x: np.ndarray, sample_rate: int) -> np.ndarray:
    require("torchaudio", "helpers.data.speech")
    import torchaudio.functional as AF

    if x.ndim == 2:  # several channels: keep their mean
        x = x.mean(axis=1)
    y = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if sample_rate != SAMPLE_RATE:
        y = AF.resample(y, sample_rate, SAMPLE_RATE)
    return y.numpy()


def _finish_clip(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Resample to 16 kHz, trim silence and normalise the peak to 0.9."""
    y = trim_silence(_to_16k(x, sample_rate), SAMPLE_RATE)
    peak = float(np.abs(y).max()) if len(y) else 0.0
    return (y * (0.9 / peak) if peak > 0 else y).astype(np.float32)


def _synthesise(args) -> tuple[str, np.ndarray]:
    require("soundfile", "helpers.data.speech")
    import soundfile as sf

    row, digit, tmp = args
    path = Path(tmp) / f"s{row['speaker']:02d}_{digit}.wav"
    cmd = ["espeak-ng", "-v", f"{row['voice']}+{row['variant']}", "-s", str(row["speed"]),
           "-p", str(row["pitch"]), "-w", str(path), DIGIT_WORDS[digit]]
    subprocess.run(cmd, check=True, capture_output=True)
    x, sr = sf.read(path, dtype="float32")
    return path.name, _finish_clip(x, sr)


def missing_espeak_voices() -> list[str]:
    """Accents and variants of the speaker table that this espeak-ng does not have.

    espeak-ng silently falls back to its default voice for an unknown name, so the set is
    checked before synthesis (accents need espeak-ng >= 1.51).
    """
    def listing(kind):
        out = subprocess.run(["espeak-ng", f"--voices={kind}"], capture_output=True, text=True)
        return [line.split() for line in out.stdout.splitlines()[1:] if line.split()]

    accents = {cols[1] for cols in listing("en") if len(cols) > 1}
    variants = {c.split("/", 1)[1] for cols in listing("variant") for c in cols if c.startswith("!v/")}
    return ([a for a in ESPEAK_ACCENTS if a not in accents]
            + [f"+{v}" for v in ESPEAK_VARIANTS if v not in variants])


def _write_manifest(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _read_manifest(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _espeak_ready(folder: Path) -> bool:
    stamp = folder / "VERSION"
    return stamp.exists() and stamp.read_text().strip() == SPEECH_VERSION and (
        folder / "manifest.csv").exists()


def prepare_espeak_digits(folder: Path | None = None, *, quiet: bool = False,
                          force: bool = False) -> Path | None:
    """Synthesise the 600 spoken-digit clips into ``folder`` (default ``data/speech/espeak``).

    Idempotent: a folder whose ``VERSION`` matches is kept. Returns the folder, or None
    (with a message naming the apt-get command) when ``espeak-ng`` is not installed.
    """
    require("soundfile", "helpers.data.speech")
    import soundfile as sf

    folder = Path(folder) if folder is not None else speech_dir() / "espeak"
    if _espeak_ready(folder) and not force:
        if not quiet:
            print(f"speech: synthetic digits ready in {folder}")
        return folder
    if shutil.which("espeak-ng") is None:
        if not quiet:
            print(f"speech: espeak-ng not found, synthetic digits not prepared.\n{INSTALL_HINT}")
        return None
    missing = missing_espeak_voices()
    if missing and not quiet:
        print(f"speech: this espeak-ng lacks {', '.join(missing)}; those speakers fall back to "
              "its default voice (espeak-ng >= 1.51 has them all)")
    speakers = speaker_table()
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(row, d, tmp) for row in speakers for d in range(10)]
        with ThreadPoolExecutor(max_workers=max(2, 2 * (os.cpu_count() or 1))) as pool:
            for (row, digit, _), (name, clip) in zip(jobs, pool.map(_synthesise, jobs),
                                                     strict=True):
                sf.write(partial / name, clip, SAMPLE_RATE, subtype="PCM_16")
                rows.append({"file": name, "digit": digit, "word": DIGIT_WORDS[digit],
                             "speaker": row["speaker"], "voice": row["voice"],
                             "variant": row["variant"], "speed": row["speed"],
                             "pitch": row["pitch"], "split": row["split"],
                             "samples": len(clip)})
    _write_manifest(partial / "manifest.csv", rows)
    (partial / "VERSION").write_text(SPEECH_VERSION + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    if not quiet:
        print(f"speech: {len(rows)} synthetic digit clips ({len(speakers)} speakers) in {folder}")
    return folder


def find_asterisk_digits() -> Path | None:
    """The installed Asterisk ``digits`` folder holding ``0.wav`` ... ``9.wav``, if any."""
    for folder in ASTERISK_DIGIT_DIRS:
        if all((folder / f"{d}.wav").exists() for d in range(10)):
            return folder
    return None


def prepare_real_digits(folder: Path | None = None, *, quiet: bool = False,
                        force: bool = False) -> Path | None:
    """Copy the Asterisk digit recordings, at 16 kHz and trimmed, into ``data/speech/real``.

    Idempotent. Returns the folder, or None (with the apt-get command) when the Debian
    package ``asterisk-core-sounds-en-wav`` is not installed.
    """
    require("soundfile", "helpers.data.speech")
    import soundfile as sf

    folder = Path(folder) if folder is not None else speech_dir() / "real"
    if (folder / "manifest.csv").exists() and not force:
        if not quiet:
            print(f"speech: real digits ready in {folder}")
        return folder
    source = find_asterisk_digits()
    if source is None:
        if not quiet:
            print("speech: Asterisk digit recordings not found, real digits not prepared.\n"
                  + INSTALL_HINT)
        return None
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for d in range(10):
        x, sr = sf.read(source / f"{d}.wav", dtype="float32")
        clip = _finish_clip(x, sr)
        sf.write(folder / f"{d}.wav", clip, SAMPLE_RATE, subtype="PCM_16")
        rows.append({"file": f"{d}.wav", "digit": d, "word": DIGIT_WORDS[d], "speaker": 0,
                     "source": str(source / f"{d}.wav"), "samples": len(clip)})
    (folder / "ATTRIBUTION.txt").write_text(ASTERISK_ATTRIBUTION)
    _write_manifest(folder / "manifest.csv", rows)
    if not quiet:
        print(f"speech: 10 real digit recordings (Asterisk, CC-BY-SA 3.0) in {folder}")
    return folder


def prepare_speech(*, quiet: bool = False, force: bool = False) -> bool:
    """Build both spoken-digit sets under ``data/speech`` (``python -m helpers.data prepare``).

    Idempotent and quick (the 600 synthetic clips take seconds). Returns True when both sets
    are ready; otherwise prints what is missing and how to install it, and returns False.
    """
    synthetic = prepare_espeak_digits(quiet=quiet, force=force)
    real = prepare_real_digits(quiet=quiet, force=force)
    return synthetic is not None and real is not None


# ----------------------------------------------------------------------------- loading

def _pad(clips: list[np.ndarray], length: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    if length is None:
        length = max(len(c) for c in clips)
    out = torch.zeros(len(clips), length)
    lengths = torch.zeros(len(clips), dtype=torch.long)
    for i, c in enumerate(clips):  # clips differ in length: one copy each
        n = min(len(c), length)
        out[i, :n] = torch.from_numpy(c[:n])
        lengths[i] = n
    return out, lengths


def _load_folder(folder: Path, rows: list[dict], length) -> tuple[torch.Tensor, torch.Tensor]:
    require("soundfile", "helpers.data.speech")
    import soundfile as sf

    clips = [sf.read(folder / r["file"], dtype="float32")[0] for r in rows]
    return _pad(clips, length)


def _check_length(length):
    return None if length is None else check_int(length, "length", minimum=1)


def load_spoken_digits(split: str = "train", *, length: int | None = SAMPLE_RATE) -> AudioSet:
    """The synthetic spoken digits of one speaker split, as a padded batch at 16 kHz.

    ``split``: ``"train"`` (40 speakers, 400 clips), ``"val"`` (10, 100), ``"test"`` (10, 100)
    or ``"all"``. Every clip is cut or zero-padded (at the end) to ``length`` samples
    (default one second; ``None``: the longest clip). ``speaker_names`` describe the voice
    (accent+variant, rate, pitch). Raises MissingDataError with the fix when not prepared.
    """
    if split not in (*SPLIT_SPEAKERS, "all"):
        raise ValueError(f"split must be one of {[*SPLIT_SPEAKERS, 'all']}, got {split!r}")
    length = _check_length(length)
    folder = speech_dir() / "espeak"
    if not _espeak_ready(folder):
        raise MissingDataError(f"The synthetic spoken-digit set is not prepared ({folder}).\n"
                               + INSTALL_HINT)
    rows = [r for r in _read_manifest(folder / "manifest.csv") if split in ("all", r["split"])]
    waveforms, lengths = _load_folder(folder, rows, length)
    names = [s["name"] for s in speaker_table()]
    return AudioSet(waveforms, lengths, torch.tensor([int(r["digit"]) for r in rows]),
                    torch.tensor([int(r["speaker"]) for r in rows]), SAMPLE_RATE,
                    list(DIGIT_WORDS), names)


def load_real_digits(*, length: int | None = SAMPLE_RATE) -> AudioSet:
    """The ten real recordings (one speaker, digits 0-9) as a padded batch at 16 kHz.

    Telephone-band audio (recorded at 8 kHz, so nothing above 4 kHz), one clip per digit:
    a held-out check, not a training set. Raises MissingDataError with the fix when absent.
    """
    length = _check_length(length)
    folder = speech_dir() / "real"
    if not (folder / "manifest.csv").exists():
        raise MissingDataError(f"The real spoken-digit recordings are not prepared ({folder}).\n"
                               + INSTALL_HINT)
    rows = _read_manifest(folder / "manifest.csv")
    waveforms, lengths = _load_folder(folder, rows, length)
    return AudioSet(waveforms, lengths, torch.tensor([int(r["digit"]) for r in rows]),
                    torch.zeros(len(rows), dtype=torch.long), SAMPLE_RATE, list(DIGIT_WORDS),
                    ["asterisk-allison (real voice)"])


# ----------------------------------------------------------------------------- bird calls

# Invented species: (name, kind, centre frequency Hz, sweep Hz, note s, period s, notes).
# "low trill" and "high trill" differ only in pitch, about 6 semitones apart, so a pitch
# shift of that size really turns one into the other.
BIRD_SPECIES = (
    ("rising whistle", "sweep", 2800.0, 1600.0, 0.22, 0.32, 2),
    ("falling whistle", "sweep", 2800.0, -1600.0, 0.22, 0.32, 2),
    ("low trill", "sweep", 2600.0, -300.0, 0.035, 0.08, 8),
    ("high trill", "sweep", 3680.0, -425.0, 0.035, 0.08, 8),
    ("warble", "vibrato", 3000.0, 500.0, 0.5, 1.0, 1),
)


def make_bird_calls(n_per_species: int = 60, *, n_individuals: int = 6, duration: float = 1.0,
                    snr_db=(5.0, 20.0), sample_rate: int = SAMPLE_RATE,
                    seed: int = 0) -> AudioSet:
    """Synthetic bird calls: five invented species of frequency-modulated chirps, in noise.

    These are not recordings: each "species" is a rule (see ``BIRD_SPECIES``): a rising or
    falling whistle, a low or a high trill (same shape, ~6 semitones apart) or a warble.
    Each species has ``n_individuals`` birds with their own pitch (+-4 %) and tempo (+-8 %);
    each clip adds its own +-2 % pitch, onset and loudness, a second harmonic at -12 dB and
    pink background noise at an SNR drawn from ``snr_db``. Deterministic for a ``seed``.
    Returns an :class:`AudioSet` of ``5 * n_per_species`` clips, ``(N, duration * rate)``
    float32, with ``speakers`` = the individual bird (``species * n_individuals + bird``).
    """
    from ..audio import add_noise, make_noise

    n_per_species = check_int(n_per_species, "n_per_species", minimum=1)
    n_individuals = check_int(n_individuals, "n_individuals", minimum=1)
    sample_rate = check_int(sample_rate, "sample_rate", minimum=8000)
    snr_low, snr_high = check_range(snr_db, "snr_db")
    if not (isinstance(duration, int | float) and 0.5 <= duration <= 10):
        raise ValueError(f"duration must be a number of seconds in [0.5, 10], got {duration!r}")
    g = torch.Generator().manual_seed(seed)
    n_species = len(BIRD_SPECIES)
    n = n_species * n_per_species
    length = int(round(duration * sample_rate))
    labels = torch.arange(n_species).repeat_interleave(n_per_species)
    bird = torch.randint(n_individuals, (n,), generator=g)
    speakers = labels * n_individuals + bird

    def jitter(scale, size):
        return 1 + scale * (2 * torch.rand(size, generator=g) - 1)

    bird_pitch = jitter(0.04, n_species * n_individuals)[speakers]
    bird_tempo = jitter(0.08, n_species * n_individuals)[speakers]
    pitch = bird_pitch * jitter(0.02, n)
    onset = 0.05 + 0.25 * torch.rand(n, generator=g) * (duration - 0.5) / 0.5
    loudness = 0.3 + 0.6 * torch.rand(n, generator=g)
    table = torch.tensor([s[2:] for s in BIRD_SPECIES], dtype=torch.float32)[labels]
    centre, sweep, note, period, notes = table.unbind(1)
    vibrato = torch.tensor([s[1] == "vibrato" for s in BIRD_SPECIES])[labels]

    t = torch.arange(length, dtype=torch.float32)[None, :] / sample_rate
    since = t - onset[:, None]
    note_s, period_s = (note * bird_tempo)[:, None], (period * bird_tempo)[:, None]
    index = torch.floor(since / period_s)
    tau = since - index * period_s
    active = (since >= 0) & (index < notes[:, None]) & (tau < note_s)
    s = (tau / note_s).clamp(0, 1)
    sweep_f = centre[:, None] + sweep[:, None] * (s - 0.5)
    vibrato_f = centre[:, None] + sweep[:, None] * torch.sin(2 * math.pi * 12.0 * tau)
    freq = torch.where(vibrato[:, None], vibrato_f, sweep_f) * pitch[:, None]
    phase = 2 * math.pi * torch.cumsum(freq * active, dim=1) / sample_rate
    envelope = torch.sin(math.pi * s) ** 2 * active
    calls = envelope * (torch.sin(phase) + 0.25 * torch.sin(2 * phase)) * loudness[:, None]
    snr = snr_low + (snr_high - snr_low) * torch.rand(n, generator=g)
    noise = make_noise((n, length), "pink", generator=g)
    waveforms = add_noise(calls, noise, snr)
    waveforms = waveforms / waveforms.abs().amax(dim=1, keepdim=True).clamp_min(1.0)
    names = [f"{BIRD_SPECIES[i // n_individuals][0]} #{i % n_individuals}"
             for i in range(n_species * n_individuals)]
    return AudioSet(waveforms, torch.full((n,), length), labels, speakers, sample_rate,
                    [s[0] for s in BIRD_SPECIES], names)
