"""EDA: Easy Data Augmentation (Wei & Zou, EMNLP 2019) with WordNet synonyms.

Course section 3 (text augmentation) teaches it; section 8's sentiment lab measures it.

The four operations and the driver follow the authors' reference ``eda.py`` rule for rule:
the same text cleaning, the same stopword list, ``n = max(1, int(alpha * len(words)))``,
the same retry limits, the same split of ``num_aug`` across the operations, and the same
order of random draws. Three things differ, each so that a seed reproduces its output:

* randomness comes from a private ``random.Random`` (``generator=``), never the global one;
* synonym lists are sorted (the original iterates a ``set``, whose order changes from one
  Python process to the next), and empty synonyms (a lemma such as ``1st`` has no letters
  left after cleaning) are dropped;
* random insertion draws its synonym with the generator where the original takes the
  first element of that unordered set, i.e. an arbitrary one.

Each operation is split torchvision-style into a ``draw_*`` function that samples the
random parameters and a deterministic kernel that applies them (used by grading).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from .._extras import require
from .._validate import check_int, check_probability
from ._random import python_rng

# The reference implementation's stopword list (NLTK's English list of 2019, plus '').
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
    """.split()
) | {""}

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz ")
_POS_LETTERS = {"n": "n", "v": "v", "a": "a", "s": "a", "r": "r"}


def clean_text(line: str) -> str:
    """EDA's cleaning: drop apostrophes, hyphens to spaces, lower-case, keep only a-z.

    Every other character becomes a space and runs of spaces collapse to one, so
    ``"Don't over-think it!"`` becomes ``"dont over think it"``.
    """
    if not isinstance(line, str):
        raise ValueError(f"line must be a str, got {type(line).__name__}")
    line = line.replace("\u2019", "").replace("'", "").replace("-", " ").lower()
    kept = "".join(c if c in _LETTERS else " " for c in line)
    return " ".join(kept.split())


def tokenize(sentence: str) -> list[str]:
    """The words EDA works on: ``clean_text(sentence).split()``."""
    return clean_text(sentence).split()


# ----------------------------------------------------------------------------- WordNet


@functools.lru_cache(maxsize=1)
def _wordnet():
    from ..data.wordnet import use_project_wordnet

    use_project_wordnet()
    require("nltk", "helpers.text.eda")
    from nltk.corpus import wordnet

    wordnet.ensure_loaded()
    return wordnet


def _pos_key(pos) -> tuple[str, ...] | None:
    """Normalise ``pos`` to a tuple of WordNet POS letters, or None for every POS."""
    if pos is None:
        return None
    letters = [pos] if isinstance(pos, str) and len(pos) == 1 else pos
    try:
        key = {_POS_LETTERS[p] for p in letters}
    except (KeyError, TypeError):
        raise ValueError(
            "pos must be None or WordNet POS letters among 'n', 'v', 'a' (or 's'), 'r', "
            f"got {pos!r}"
        ) from None
    if not key:
        raise ValueError(f"pos must name at least one part of speech, got {pos!r}")
    return tuple(sorted(key))


@functools.lru_cache(maxsize=100_000)
def _synonyms(word: str, pos_key: tuple[str, ...] | None) -> tuple[str, ...]:
    wordnet = _wordnet()
    if pos_key is None:
        synsets = wordnet.synsets(word)
    else:
        synsets = [s for p in pos_key for s in wordnet.synsets(word, pos=p)]
    found = set()
    for synset in synsets:
        for lemma in synset.lemmas():
            name = lemma.name().replace("_", " ").replace("-", " ").lower()
            name = " ".join("".join(c for c in name if c in _LETTERS).split())
            if name:
                found.add(name)
    found.discard(word)
    return tuple(sorted(found))


def synonyms(word: str, pos=None) -> list[str]:
    """WordNet synonyms of ``word`` as EDA cleans them, sorted, without ``word`` itself.

    Every lemma of every synset of ``word`` (NLTK's ``wordnet.synsets``, which also finds
    the base form of inflections: ``movies`` gives ``movie``'s synsets), with ``_`` and
    ``-`` turned into spaces and only a-z kept, so a synonym can be several words
    (``"ice lolly"``). ``pos`` restricts the synsets to parts of speech: ``'n'`` noun,
    ``'v'`` verb, ``'a'`` adjective (satellites included), ``'r'`` adverb, or a
    collection such as ``('n', 'v')``; None (the original's behaviour) keeps all.
    """
    if not isinstance(word, str):
        raise ValueError(f"word must be a str, got {type(word).__name__}")
    return list(_synonyms(word, _pos_key(pos)))


# ----------------------------------------------------------------------------- checks


def _check_words(words, name: str = "words") -> list[str]:
    if isinstance(words, str) or not isinstance(words, Sequence):
        raise ValueError(f"{name} must be a list of words (str), got {type(words).__name__}")
    if not all(isinstance(w, str) for w in words):
        raise ValueError(f"{name} must contain only str")
    return list(words)


# ----------------------------------------------------------------------------- SR


def draw_synonym_replacements(words: Sequence[str], n: int, *, pos=None,
                              generator=None) -> list[tuple[str, str]]:
    """Pick up to ``n`` distinct non-stopwords of ``words`` and a synonym for each.

    The distinct non-stopwords (in order of first appearance) are shuffled; walking that
    list, each word with at least one synonym gets one drawn uniformly, until ``n`` words
    have one. Returns ``[(word, synonym), ...]`` in the order they are applied.
    """
    words = _check_words(words)
    n = check_int(n, "n", minimum=0)
    rng = python_rng(generator)
    candidates = list(dict.fromkeys(w for w in words if w not in STOP_WORDS))
    rng.shuffle(candidates)
    pairs: list[tuple[str, str]] = []
    for word in candidates:
        if len(pairs) >= n:
            break
        options = synonyms(word, pos)
        if options:
            pairs.append((word, rng.choice(options)))
    return pairs


def replace_words(words: Sequence[str], replacements: Iterable[tuple[str, str]]) -> list[str]:
    """Kernel of synonym replacement: apply each ``(word, synonym)`` to every occurrence.

    Replacements apply in order (as in the original, a later one also rewrites an earlier
    synonym that equals its word); multi-word synonyms are then split into words.
    """
    out = _check_words(words)
    for old, new in replacements:
        out = [new if w == old else w for w in out]
    return " ".join(out).split()


def synonym_replacement(words: Sequence[str], n: int, *, pos=None, generator=None) -> list[str]:
    """SR: replace up to ``n`` distinct non-stopwords (all their occurrences) by synonyms."""
    rng = python_rng(generator)
    return replace_words(words, draw_synonym_replacements(words, n, pos=pos, generator=rng))


# ----------------------------------------------------------------------------- RI


def draw_insertions(words: Sequence[str], n: int, *, pos=None,
                    generator=None) -> list[tuple[int, str]]:
    """Draw ``n`` random insertions as ``[(index, synonym), ...]``, applied in order.

    Each insertion picks a random word of the sentence as it stands (earlier insertions
    included, stopwords too) until one has a synonym, giving up after the tenth pick
    (the original draws the tenth word and then stops, whatever it found); it inserts a
    random synonym of it at a random index in ``[0, len - 1]`` (never after the last word).
    """
    current = _check_words(words)
    n = check_int(n, "n", minimum=0)
    rng = python_rng(generator)
    insertions: list[tuple[int, str]] = []
    if not current:
        return insertions
    for _ in range(n):
        options: list[str] = []
        for attempt in range(1, 11):
            options = synonyms(current[rng.randint(0, len(current) - 1)], pos)
            if attempt == 10 or options:
                break
        if not options or attempt == 10:
            continue
        step = (rng.randint(0, len(current) - 1), rng.choice(options))
        current.insert(*step)
        insertions.append(step)
    return insertions


def insert_words(words: Sequence[str], insertions: Iterable[tuple[int, str]]) -> list[str]:
    """Kernel of random insertion: ``list.insert`` each ``(index, word)`` in order, then
    split multi-word insertions into words."""
    out = _check_words(words)
    for index, word in insertions:
        out.insert(index, word)
    return " ".join(out).split()


def random_insertion(words: Sequence[str], n: int, *, pos=None, generator=None) -> list[str]:
    """RI: insert a synonym of a random word at a random position, ``n`` times."""
    rng = python_rng(generator)
    return insert_words(words, draw_insertions(words, n, pos=pos, generator=rng))


# ----------------------------------------------------------------------------- RS


def draw_swaps(num_words: int, n: int, *, generator=None) -> list[tuple[int, int]]:
    """Draw ``n`` swaps of two positions in a sentence of ``num_words`` words.

    For each swap a first index is drawn, then a second one until it differs; after
    three equal draws the original makes a fourth draw and gives that swap up, and so do
    we (so a one-word sentence is returned unchanged). Returns the swaps that happen.
    """
    num_words = check_int(num_words, "num_words", minimum=0)
    n = check_int(n, "n", minimum=0)
    rng = python_rng(generator)
    swaps: list[tuple[int, int]] = []
    if num_words == 0:
        return swaps
    for _ in range(n):
        i = rng.randint(0, num_words - 1)
        for attempt in range(4):
            j = rng.randint(0, num_words - 1)
            if attempt == 3:
                break
            if j != i:
                swaps.append((i, j))
                break
    return swaps


def swap_words(words: Sequence[str], swaps: Iterable[tuple[int, int]]) -> list[str]:
    """Kernel of random swap: exchange the words at each ``(i, j)``, in order."""
    out = _check_words(words)
    for i, j in swaps:
        out[i], out[j] = out[j], out[i]
    return out


def random_swap(words: Sequence[str], n: int, *, generator=None) -> list[str]:
    """RS: swap two random words, ``n`` times (the multiset of words is unchanged)."""
    words = _check_words(words)
    return swap_words(words, draw_swaps(len(words), n, generator=generator))


# ----------------------------------------------------------------------------- RD


def draw_deletion(num_words: int, p: float, *, generator=None) -> list[bool]:
    """Draw which words survive random deletion: ``keep[i]`` is True when ``u_i > p``.

    A one-word sentence is kept without a draw; when every word would go, one random
    word is kept, so the result is never empty.
    """
    num_words = check_int(num_words, "num_words", minimum=0)
    p = check_probability(p, "p")
    rng = python_rng(generator)
    if num_words <= 1:
        return [True] * num_words
    keep = [rng.uniform(0, 1) > p for _ in range(num_words)]
    if not any(keep):
        keep[rng.randint(0, num_words - 1)] = True
    return keep


def delete_words(words: Sequence[str], keep: Sequence[bool]) -> list[str]:
    """Kernel of random deletion: the words whose ``keep`` flag is True, in order."""
    words = _check_words(words)
    if len(keep) != len(words):
        raise ValueError(f"keep must have one flag per word ({len(words)}), got {len(keep)}")
    return [w for w, k in zip(words, keep, strict=True) if k]


def random_deletion(words: Sequence[str], p: float, *, generator=None) -> list[str]:
    """RD: delete each word with probability ``p``; never returns an empty list."""
    words = _check_words(words)
    return delete_words(words, draw_deletion(len(words), p, generator=generator))


# ----------------------------------------------------------------------------- EDA


def _check_num_aug(num_aug) -> float:
    if isinstance(num_aug, bool) or not isinstance(num_aug, int | float):
        raise ValueError(f"num_aug must be an int >= 0 or a fraction in [0, 1), got {num_aug!r}")
    if isinstance(num_aug, int):
        return check_int(num_aug, "num_aug", minimum=0)
    if not 0.0 <= num_aug < 1.0:
        raise ValueError(f"num_aug must be an int >= 0 or a fraction in [0, 1), got {num_aug!r}")
    return num_aug


def eda(sentence: str, alpha_sr: float = 0.1, alpha_ri: float = 0.1, alpha_rs: float = 0.1,
        p_rd: float = 0.1, num_aug: int = 9, *, pos=None, generator=None) -> list[str]:
    """EDA on one sentence: ``num_aug`` augmented sentences, then the cleaned original.

    With ``w`` words, SR replaces ``max(1, int(alpha_sr * w))`` words, RI inserts
    ``max(1, int(alpha_ri * w))``, RS makes ``max(1, int(alpha_rs * w))`` swaps and RD
    deletes each word with probability ``p_rd``. Every operation whose parameter is > 0
    makes ``int(num_aug / 4) + 1`` sentences; they are cleaned, shuffled and cut to the
    first ``num_aug`` (a fraction ``num_aug < 1`` instead keeps each with probability
    ``num_aug / count``), and the cleaned original is appended last. With ``k`` active
    operations and an integer ``num_aug`` the result therefore holds
    ``min(num_aug, k * (int(num_aug / 4) + 1)) + 1`` sentences (``num_aug + 1`` when all
    four are on).

    ``pos`` restricts the synonyms (see :func:`synonyms`); ``generator`` is None, an int
    seed, a ``random.Random`` or a ``torch.Generator`` (the same seed, the same output).
    Agrees with the reference ``eda.py`` of Wei & Zou (see the module docstring).
    """
    if not isinstance(sentence, str):
        raise ValueError(f"sentence must be a str, got {type(sentence).__name__}")
    alphas = {
        name: check_probability(v, name)
        for name, v in (("alpha_sr", alpha_sr), ("alpha_ri", alpha_ri),
                        ("alpha_rs", alpha_rs), ("p_rd", p_rd))
    }
    num_aug = _check_num_aug(num_aug)
    _pos_key(pos)
    rng = python_rng(generator)
    original = clean_text(sentence)
    words = original.split()
    if not words:
        raise ValueError(f"sentence must contain at least one letter a-z, got {sentence!r}")
    per_technique = int(num_aug / 4) + 1
    num_words = len(words)

    augmented: list[list[str]] = []
    if alphas["alpha_sr"] > 0:
        n_sr = max(1, int(alphas["alpha_sr"] * num_words))
        augmented += [synonym_replacement(words, n_sr, pos=pos, generator=rng)
                      for _ in range(per_technique)]
    if alphas["alpha_ri"] > 0:
        n_ri = max(1, int(alphas["alpha_ri"] * num_words))
        augmented += [random_insertion(words, n_ri, pos=pos, generator=rng)
                      for _ in range(per_technique)]
    if alphas["alpha_rs"] > 0:
        n_rs = max(1, int(alphas["alpha_rs"] * num_words))
        augmented += [random_swap(words, n_rs, generator=rng) for _ in range(per_technique)]
    if alphas["p_rd"] > 0:
        augmented += [random_deletion(words, alphas["p_rd"], generator=rng)
                      for _ in range(per_technique)]

    sentences = [clean_text(" ".join(ws)) for ws in augmented]
    rng.shuffle(sentences)
    if num_aug >= 1:
        sentences = sentences[: int(num_aug)]
    elif sentences:
        keep_prob = num_aug / len(sentences)
        sentences = [s for s in sentences if rng.uniform(0, 1) < keep_prob]
    sentences.append(original)
    return sentences


class EDA:
    """Callable EDA with fixed parameters and its own random stream.

    ``EDA(num_aug=4, generator=0)(sentence)`` returns 5 sentences; successive calls
    continue one seeded stream, so a whole corpus is reproducible from one seed.
    """

    def __init__(self, alpha_sr: float = 0.1, alpha_ri: float = 0.1, alpha_rs: float = 0.1,
                 p_rd: float = 0.1, num_aug: int = 9, *, pos=None, generator=None):
        for name, v in (("alpha_sr", alpha_sr), ("alpha_ri", alpha_ri),
                        ("alpha_rs", alpha_rs), ("p_rd", p_rd)):
            check_probability(v, name)
        _check_num_aug(num_aug)
        _pos_key(pos)
        self.params = dict(alpha_sr=alpha_sr, alpha_ri=alpha_ri, alpha_rs=alpha_rs,
                           p_rd=p_rd, num_aug=num_aug)
        self.pos = pos
        self.rng = python_rng(generator)

    def __call__(self, sentence: str) -> list[str]:
        return eda(sentence, **self.params, pos=self.pos, generator=self.rng)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"EDA({args}, pos={self.pos!r})"


def augment_dataset(texts: Sequence[str], labels: Sequence, augment: Callable,
                    *, batched: bool = False) -> tuple[list[str], list]:
    """Apply ``augment`` to every text and repeat each text's label for its outputs.

    ``augment(text)`` returns a str or a list of str (EDA's list already ends with the
    original). With ``batched=True``, ``augment(texts)`` is called once and must return
    one str per text (e.g. :func:`helpers.text.back_translate`). Returns
    ``(new_texts, new_labels)`` as lists; the original texts are not added.
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ValueError(f"texts must be a list of str, got {type(texts).__name__}")
    labels = list(labels)
    if len(labels) != len(texts):
        raise ValueError(f"labels must have one entry per text ({len(texts)}), got {len(labels)}")
    if batched:
        outputs = augment(list(texts))
        if not isinstance(outputs, Sequence) or len(outputs) != len(texts):
            raise ValueError("augment must return one text per input when batched=True")
        outputs = [[o] for o in outputs]
    else:
        outputs = [augment(t) for t in texts]
    new_texts: list[str] = []
    new_labels: list = []
    for out, label in zip(outputs, labels, strict=True):
        out = [out] if isinstance(out, str) else list(out)
        new_texts += out
        new_labels += [label] * len(out)
    return new_texts, new_labels
