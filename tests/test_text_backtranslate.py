"""Back-translation (helpers.text.backtranslate): real Apertium round trips, the pluggable
translator, marker stripping, and the message when Apertium is missing."""

from __future__ import annotations

import re
import shutil

import pytest

from helpers.data.paths import MissingDataError
from helpers.text import apertium_translate, back_translate, strip_markers
from helpers.text import backtranslate as bt


def _has_eng_spa() -> bool:
    if shutil.which("apertium") is None:
        return False
    try:
        return "eng-spa" in bt.apertium_pairs() and "spa-eng" in bt.apertium_pairs()
    except MissingDataError:
        return False


needs_apertium = pytest.mark.skipif(
    not _has_eng_spa(),
    reason="Apertium with its English<->Spanish pair is not installed "
           "(apt-get install apertium apertium-eng-spa)",
)

MARKER = re.compile(r"(?<!\w)[*#@]\w")

SENTENCES = [
    "The movie was not good.",
    "This film is a flibbertigibbet of charm",  # an unknown word, no final stop
    "",
    "I didn't like it at all!",
    "A long review\nthat spans two lines.",
    "Rotten Tomatoes gave it five stars.",
]


@needs_apertium
def test_round_trip_returns_one_clean_line_per_input():
    out = back_translate(SENTENCES)
    assert isinstance(out, list) and len(out) == len(SENTENCES)
    for source, result in zip(SENTENCES, out, strict=True):
        assert isinstance(result, str) and "\n" not in result
        assert (result == "") == (source == "")
        assert not MARKER.search(result), result
        assert result == result.strip() and "  " not in result
    assert "flibbertigibbet" in out[1]  # unknown word kept, its '*' mark gone


@needs_apertium
def test_forward_translation_is_spanish_and_keeps_sentences_apart():
    es = apertium_translate(["The house is red.", "the big", "red house is mine"], "en", "es")
    assert "casa" in es[0]
    # Apertium reorders "big red house" across a single newline; a blank line stops it.
    assert "casa" not in es[1] and "casa" in es[2]


@needs_apertium
def test_batching_and_single_calls_give_the_same_alignment():
    texts = ["One.", "Two dogs run.", "Three!"]
    batched = apertium_translate(texts, "en", "es")
    assert apertium_translate(texts, "en", "es", batch_size=1) == batched
    assert apertium_translate(texts, "eng", "spa") == batched  # Apertium's own codes work too
    assert back_translate("The house is red.") == back_translate(["The house is red."])[0]


def test_any_translator_plugs_in():
    calls = []

    def translate(texts, src, tgt):
        calls.append((list(texts), src, tgt))
        return [f"{tgt}:{t}" for t in texts]

    assert back_translate(["a", "b"], pivot="de", translate=translate) == ["en:de:a", "en:de:b"]
    assert calls == [(["a", "b"], "en", "de"), (["de:a", "de:b"], "de", "en")]


def test_translator_output_is_checked():
    with pytest.raises(ValueError, match="translate"):
        back_translate(["a", "b"], translate=lambda t, s, g: t[:1])
    with pytest.raises(ValueError, match="translate"):
        back_translate(["a"], translate=lambda t, s, g: "a")
    with pytest.raises(ValueError, match="translate"):
        back_translate(["a"], translate="apertium")


def test_strip_markers():
    assert strip_markers(" *flibber  #mina @sparkle x*y, (*odd)") == "flibber mina sparkle x*y, (odd)"
    assert strip_markers("plain text.") == "plain text."


def test_missing_apertium_says_how_to_install(monkeypatch):
    bt.apertium_pairs.cache_clear()
    monkeypatch.setattr(bt.shutil, "which", lambda name: None)
    try:
        with pytest.raises(MissingDataError, match="apt-get install apertium apertium-eng-spa"):
            back_translate(["The house is red."])
    finally:
        bt.apertium_pairs.cache_clear()


@needs_apertium
def test_missing_direction_lists_what_is_installed():
    with pytest.raises(MissingDataError, match="eng-spa"):
        apertium_translate(["hello"], "en", "xx")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: back_translate(123), "texts"),
        (lambda: back_translate(["ok", 3]), "texts"),
        (lambda: apertium_translate(["ok"], batch_size=0), "batch_size"),
        (lambda: apertium_translate(["ok"], src=""), "src"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
