"""The environment check of the start-here notebook (helpers.doctor)."""

import subprocess
import sys

from conftest import ROOT

from helpers import doctor


def test_every_check_passes_on_a_set_up_machine():
    rows = doctor.check_environment()
    names = [r.name for r in rows]
    assert names[:4] == ["Python", "torch", "torchvision", "torchaudio"]
    assert {"WordNet 3.0 (NLTK)", "Apertium en<->es", "spoken digits"} <= set(names)
    bad = [f"{r.name}: {r.found}" for r in rows if not r.ok]
    assert not bad, bad
    assert "Everything the course needs is here." in doctor.format_report(rows)


def test_a_version_other_than_the_pin_is_reported_with_the_fix(monkeypatch):
    monkeypatch.setitem(doctor.PINNED, "torch", "0.0.1")
    row = doctor._package("torch")
    assert not row.ok and "course pins 0.0.1" in row.found and "make setup" in row.fix


def test_missing_speech_data_names_the_packages_to_install(monkeypatch, tmp_path):
    import helpers.data.speech as speech

    monkeypatch.setattr(speech, "speech_dir", lambda: tmp_path)
    row = doctor._speech()
    assert not row.ok
    assert "espeak-ng" in row.fix and "asterisk-core-sounds-en-wav" in row.fix
    assert "prepared: none" in row.found


def test_a_check_that_crashes_becomes_a_failed_row(monkeypatch):
    def _broken():
        raise RuntimeError("library is broken")

    monkeypatch.setattr(doctor, "CHECKS", (doctor._python, _broken))
    rows = doctor.check_environment()
    assert rows[0].ok and not rows[1].ok
    assert rows[1].name == "broken" and "library is broken" in rows[1].found
    text = doctor.format_report(rows)
    assert "To fix:" in text and "NO  broken" in text


def test_command_line_exits_0_when_ready():
    proc = subprocess.run([sys.executable, "-m", "helpers.doctor"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok  torch" in proc.stdout
