"""Back-translation (English -> pivot -> English) that runs offline with Apertium.

Course section 3 teaches back-translation; section 8's sentiment lab shows where it hurts
(negation and named entities can come back changed).

Apertium is a rule-based translator packaged by Debian (``apertium`` plus a language pair
such as ``apertium-eng-spa``). It is much weaker than a neural model, but it is real,
deterministic and needs no weights. Any other translator plugs in through
``translate(texts, src, tgt) -> list[str]`` (e.g. a MarianMT model a user has locally).

Batching: all sentences of one direction go through one ``apertium`` process, separated
by a blank line. Apertium's text format treats a blank line as a paragraph break, so no
word moves from one sentence into another (a single newline does not stop that), and
the number of paragraphs out equals the number in; both are checked on every call.
One caveat, measured on 300 review snippets: Apertium's part-of-speech tagger keeps some
state along a stream, so about 7 % of sentences pick a different word reading in a batch
than when translated alone. Pass ``batch_size=1`` (one process per sentence, roughly 0.3 s
each) when every sentence must be translated independently of its neighbours.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence

from .._validate import check_int
from ..data.paths import MissingDataError

# ISO 639-1 codes to the three-letter codes Apertium's pairs are named with.
APERTIUM_CODES = {
    "en": "eng", "es": "spa", "ca": "cat", "fr": "fra", "pt": "por", "it": "ita",
    "de": "deu", "eo": "epo", "gl": "glg", "oc": "oci", "ro": "ron", "nl": "nld",
}

_SEPARATOR = "\n\n"
_MARKERS = re.compile(r"(?<![\w*#@])[*#@]+(?=\w)")


def _install_hint(src: str, tgt: str) -> str:
    a, b = (APERTIUM_CODES.get(c, c) for c in (src, tgt))
    pair = f"apertium-{a}-{b}" if (a, b) != ("spa", "eng") else "apertium-eng-spa"
    return (
        f"Back-translation needs Apertium and its {a}<->{b} pair. On Debian/Ubuntu run\n"
        f"    sudo apt-get install apertium {pair}\n"
        "(`make setup` does this for the course's English<->Spanish pair), or pass your own "
        "translate(texts, src, tgt) function."
    )


@functools.lru_cache(maxsize=1)
def apertium_pairs() -> tuple[str, ...]:
    """The translation directions the installed Apertium offers (``apertium -l``).

    Raises MissingDataError, with the install command, when Apertium is not installed.
    """
    exe = shutil.which("apertium")
    if exe is None:
        raise MissingDataError(_install_hint("en", "es"))
    listing = subprocess.run([exe, "-l"], capture_output=True, text=True, check=False)
    return tuple(line.strip() for line in listing.stdout.splitlines() if line.strip())


def apertium_mode(src: str, tgt: str) -> str:
    """The Apertium direction for ``src -> tgt`` (``'en', 'es'`` gives ``'eng-spa'``)."""
    for name, code in (("src", src), ("tgt", tgt)):
        if not isinstance(code, str) or not code:
            raise ValueError(f"{name} must be a language code such as 'en', got {code!r}")
    pairs = apertium_pairs()
    for mode in (f"{src}-{tgt}", f"{APERTIUM_CODES.get(src, src)}-{APERTIUM_CODES.get(tgt, tgt)}"):
        if mode in pairs:
            return mode
    raise MissingDataError(
        f"Apertium has no {src}->{tgt} direction (installed: {', '.join(pairs) or 'none'}).\n"
        + _install_hint(src, tgt)
    )


def strip_markers(text: str) -> str:
    """Remove Apertium's word marks and tidy spaces.

    ``*word`` (unknown word), ``#word`` (generation error) and ``@word`` (no bilingual
    entry) lose their mark; runs of spaces collapse. A ``#``/``@``/``*`` that starts a word
    in the source (a hashtag, a mention) is removed as well.
    """
    return " ".join(_MARKERS.sub("", text).split())


def _check_texts(texts, name: str = "texts") -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ValueError(f"{name} must be a list of str, got {type(texts).__name__}")
    if not all(isinstance(t, str) for t in texts):
        raise ValueError(f"{name} must contain only str")
    return list(texts)


def _run_apertium(mode: str, texts: list[str]) -> list[str]:
    """One ``apertium -u MODE`` process for ``texts`` (none empty, none with a newline)."""
    done = subprocess.run(
        ["apertium", "-u", mode], input=_SEPARATOR.join(texts), capture_output=True,
        text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"apertium {mode} failed ({done.returncode}): {done.stderr.strip()}")
    out = done.stdout.strip("\n").split(_SEPARATOR)
    if len(out) != len(texts):
        raise RuntimeError(
            f"apertium {mode} returned {len(out)} paragraphs for {len(texts)} sentences; "
            "retry with batch_size=1"
        )
    return [strip_markers(t) for t in out]


def apertium_translate(texts: Sequence[str], src: str = "en", tgt: str = "es", *,
                       batch_size: int | None = None) -> list[str]:
    """Translate a list of sentences with Apertium, one process per batch.

    Whitespace inside a text (newlines too) becomes single spaces, empty texts come back
    empty, and Apertium's unknown-word marks are switched off (``-u``) and stripped. Returns
    one translation per text. ``batch_size=None`` sends all texts in one process.
    """
    texts = _check_texts(texts)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    mode = apertium_mode(src, tgt)
    flat = [" ".join(t.split()) for t in texts]
    todo = [i for i, t in enumerate(flat) if t]
    out = [""] * len(texts)
    step = batch_size or max(len(todo), 1)
    for start in range(0, len(todo), step):
        chunk = todo[start:start + step]
        for i, translated in zip(chunk, _run_apertium(mode, [flat[i] for i in chunk]),
                                 strict=True):
            out[i] = translated
    return out


def back_translate(texts, *, pivot: str = "es", src: str = "en",
                   translate: Callable | None = None,
                   batch_size: int | None = None):
    """Paraphrase by translating ``src -> pivot -> src``; one output per input text.

    ``texts`` is a str or a list of str (the result has the same form). ``translate`` is
    any ``translate(texts: list[str], src, tgt) -> list[str]``; the default is Apertium
    (:func:`apertium_translate`, which raises MissingDataError with the apt-get command
    when it is not installed). Meaning usually survives, but negation, idioms and names
    can come back changed; with Apertium's English<->Spanish pair, for example,
    "I didn't like it at all." -> "It did not like me at all.",
    "The story falls flat." -> "The floor of falls of the history." and
    "Rotten Tomatoes gave it 5 stars" -> "The decayed tomatoes gave it 5 stars".
    """
    single = isinstance(texts, str)
    batch = _check_texts([texts] if single else texts)
    if translate is None:
        def translate(t, s, g):
            return apertium_translate(t, s, g, batch_size=batch_size)
    elif not callable(translate):
        raise ValueError(f"translate must be a callable translate(texts, src, tgt), got {translate!r}")
    there = _checked(translate(batch, src, pivot), len(batch))
    back = _checked(translate(there, pivot, src), len(batch))
    return back[0] if single else back


def _checked(result, n: int) -> list[str]:
    if isinstance(result, str) or not isinstance(result, Sequence) or len(result) != n \
            or not all(isinstance(t, str) for t in result):
        raise ValueError(f"translate must return a list of {n} str (one per input), got {result!r:.200}")
    return list(result)
