"""Instruction paraphrase for SFT/DPO-style data: ask a language model for rewrites.

Course section 3 teaches it. The model is pluggable: ``llm`` is any function
``llm(prompt: str) -> str`` (a local model, an API client you own). Without one, the
course runs offline with :func:`offline_paraphrases`, a rule-based stand-in built from
back-translation and synonym replacement. It is not a language model and its rewrites are
shallower than a model's; it is named so that nobody mistakes one for the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .._validate import check_int, check_probability
from ..data.paths import MissingDataError
from ._random import python_rng
from .eda import STOP_WORDS, _wordnet, synonyms

PARAPHRASE_PROMPT = (
    "Rewrite the instruction below in {n} different ways. Keep its meaning, every "
    "constraint, and any names, numbers and code exactly as they are. Reply with the {n} "
    "rewrites only, one per line, numbered 1. to {n}.\n\n"
    "Instruction: {instruction}"
)

_NUMBERING = re.compile(r"^\s*(?:\(?\d+[.):]|[-*\u2022])\s*")
_PLAIN_WORD = re.compile(r"^([A-Za-z][a-z]+)([.,;:!?]?)$")


def parse_numbered_list(reply: str) -> list[str]:
    """The items of a model's numbered or bulleted reply, without numbers, bullets,
    surrounding quotes, blank lines or repeats."""
    if not isinstance(reply, str):
        raise ValueError(f"reply must be a str, got {type(reply).__name__}")
    items = []
    for line in reply.splitlines():
        item = _NUMBERING.sub("", line).strip().strip('"\u201c\u201d').strip()
        if item and item not in items:
            items.append(item)
    return items


def paraphrase_instruction(instruction: str, n: int = 5, *, llm: Callable | None = None,
                           prompt: str = PARAPHRASE_PROMPT, generator=None) -> list[str]:
    """Up to ``n`` rewrites of ``instruction`` (the instruction itself is never returned).

    With ``llm``, one call ``llm(prompt.format(n=n, instruction=instruction))`` and its
    numbered reply parsed by :func:`parse_numbered_list`. Without one, the offline
    rule-based stand-in :func:`offline_paraphrases` (``generator`` seeds it). Fewer than
    ``n`` come back when the model (or the rules) produce fewer distinct rewrites.
    """
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError(f"instruction must be a non-empty str, got {instruction!r}")
    n = check_int(n, "n", minimum=1)
    if llm is None:
        return offline_paraphrases(instruction, n, generator=generator)
    if not callable(llm):
        raise ValueError(f"llm must be a callable llm(prompt) -> str, got {llm!r}")
    reply = llm(prompt.format(n=n, instruction=instruction))
    if not isinstance(reply, str):
        raise ValueError(f"llm must return a str, got {type(reply).__name__}")
    items = [s for s in parse_numbered_list(reply) if s != instruction.strip()]
    return items[:n]


def _uninflected_pos(word: str) -> str | None:
    """The part of speech of the word's most frequent WordNet sense, or None when WordNet
    does not know the word or the word is an inflected form (``returns``, ``numbers``:
    its synonyms would come back uninflected)."""
    synsets = _wordnet().synsets(word)
    if not synsets:
        return None
    pos = "a" if synsets[0].pos() == "s" else synsets[0].pos()
    same_pos = [s for s in synsets if (s.pos() if s.pos() != "s" else "a") == pos]
    # An inflected form is found through a base form: some synset lacks the word itself.
    if all(word in (name.lower() for name in s.lemma_names()) for s in same_pos):
        return pos
    return None


_PROTECTED = re.compile(r"`[^`]*`|\S*\d\S*|(?<=[^.!?\s] )[A-Z]\w*")


def keeps_protected_spans(source: str, candidate: str) -> bool:
    """True when every code span, number and mid-sentence capitalised word of ``source``
    appears unchanged in ``candidate``."""
    return all(span in candidate for span in _PROTECTED.findall(source))


def replace_synonyms_keep_case(text: str, alpha: float = 0.15, *, generator=None) -> str:
    """Synonym replacement that leaves case, punctuation, names, numbers and code alone.

    Only plain words (letters, optionally one trailing ``.,;:!?``) that are lower-case, or
    capitalised as the first word, with three letters or more and not in EDA's stopword
    list, are candidates. ``max(1, int(alpha * candidates))`` distinct ones are replaced
    (every occurrence) by a one-word WordNet synonym of the part of speech of their most
    frequent sense. Inflected forms (``returns``, ``numbers``) are left alone, because
    their synonyms would come back uninflected; a word used in a rarer sense can still get
    an odd synonym.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    alpha = check_probability(alpha, "alpha")
    rng = python_rng(generator)
    chunks = re.split(r"(\s+)", text)
    words = {}
    first_word = True
    for i, chunk in enumerate(chunks):
        if not chunk or chunk.isspace():
            continue
        match = _PLAIN_WORD.match(chunk)
        word = match.group(1) if match else ""
        if match and (word.islower() or first_word) and len(word) >= 3 \
                and word.lower() not in STOP_WORDS:
            words.setdefault(word.lower(), []).append(i)
        first_word = False
    candidates = list(words)
    rng.shuffle(candidates)
    budget = max(1, int(alpha * len(candidates)))
    for word in candidates:
        if budget == 0:
            break
        pos = _uninflected_pos(word)
        options = [s for s in synonyms(word, pos) if " " not in s] if pos else []
        if not options:
            continue
        new = rng.choice(options)
        for i in words[word]:
            old, tail = _PLAIN_WORD.match(chunks[i]).groups()
            chunks[i] = (new.capitalize() if old[0].isupper() else new) + tail
        budget -= 1
    return "".join(chunks)


def offline_paraphrases(instruction: str, n: int = 5, *, back_translation: bool | None = None,
                        alpha: float = 0.15, generator=None) -> list[str]:
    """Rule-based rewrites of an instruction, for running offline. Not a language model.

    The first rewrite is the English->Spanish->English back-translation through Apertium
    (``back_translation=None`` uses it when Apertium is installed, True requires it,
    False skips it), kept only if it preserves every code span, number and name
    (:func:`keeps_protected_spans`; Apertium turns ```sum_list(xs)``` into
    ```sum_of function of Python(xs)```); the others are
    :func:`replace_synonyms_keep_case` draws with rate ``alpha``. Duplicates and the
    instruction itself are dropped, so an instruction with few replaceable words yields
    fewer than ``n`` rewrites.
    """
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError(f"instruction must be a non-empty str, got {instruction!r}")
    n = check_int(n, "n", minimum=1)
    if back_translation not in (None, True, False):
        raise ValueError(f"back_translation must be None, True or False, got {back_translation!r}")
    rng = python_rng(generator)
    found: list[str] = []

    def add(candidate: str) -> None:
        if candidate.strip() and candidate != instruction and candidate not in found:
            found.append(candidate)

    if back_translation is not False:
        from .backtranslate import back_translate

        try:
            candidate = back_translate(instruction)
        except MissingDataError:
            if back_translation:
                raise
        else:
            if keeps_protected_spans(instruction, candidate):
                add(candidate)
    for _ in range(10 * n):
        if len(found) >= n:
            break
        add(replace_synonyms_keep_case(instruction, alpha, generator=rng))
    return found[:n]
