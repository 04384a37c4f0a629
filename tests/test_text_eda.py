"""EDA (helpers.text.eda): the reference algorithm's rules, invariants and seeding."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from helpers.text import (
    EDA,
    STOP_WORDS,
    augment_dataset,
    clean_text,
    delete_words,
    draw_deletion,
    draw_insertions,
    draw_swaps,
    draw_synonym_replacements,
    eda,
    insert_words,
    random_deletion,
    random_insertion,
    random_swap,
    replace_words,
    swap_words,
    synonym_replacement,
    synonyms,
    tokenize,
)

SENTENCES = [
    "The movie was surprisingly good, and the actors were great!",
    "A dark, dull thriller with a parting shot that misfires.",
    "I don't think this comedy works at all; it's slow and far too long.",
    "Meandering and glacially paced, and often just plain dull.",
]


# ----------------------------------------------------------------------------- cleaning


def test_clean_text_follows_the_reference_rules():
    assert clean_text("Don't over-think it!\tOK\nnow") == "dont over think it ok now"
    assert clean_text("  Caf\u00e9 42 \u2014 it\u2019s GREAT  ") == "caf its great"
    assert tokenize("...Hello,   world...") == ["hello", "world"]
    assert clean_text("123 !!!") == ""


def test_stopword_list_is_the_reference_list():
    assert len(STOP_WORDS) == 128
    assert {"not", "no", "nor", "don", "s", "t", ""} <= STOP_WORDS
    assert "good" not in STOP_WORDS and "movie" not in STOP_WORDS


# ----------------------------------------------------------------------------- WordNet


def test_synonyms_are_cleaned_wordnet_lemmas():
    # WordNet 3.0's lemmas of movie.n.01, cleaned as EDA cleans them, sorted.
    assert synonyms("movie") == [
        "film", "flick", "motion picture", "motion picture show", "moving picture",
        "moving picture show", "pic", "picture", "picture show",
    ]
    assert synonyms("happy") == ["felicitous", "glad", "well chosen"]
    for word in ("run", "good", "dull"):
        syns = synonyms(word)
        assert word not in syns
        assert all(s and set(s) <= set("abcdefghijklmnopqrstuvwxyz ") for s in syns)


def test_pos_filter_restricts_synonyms_to_that_part_of_speech():
    every = set(synonyms("run"))
    nouns, verbs = set(synonyms("run", "n")), set(synonyms("run", "v"))
    assert nouns and verbs and nouns | verbs <= every
    assert "footrace" in nouns and "footrace" not in verbs
    assert set(synonyms("run", ("n", "v"))) == nouns | verbs
    assert synonyms("happy", "v") == []
    assert synonyms("dull", "s") == synonyms("dull", "a")  # satellites belong to 'a'


# ----------------------------------------------------------------------------- SR


@pytest.mark.parametrize("sentence", SENTENCES)
def test_synonym_replacement_draws_distinct_non_stopwords_and_their_synonyms(sentence):
    words = tokenize(sentence)
    for seed in range(20):
        for n in (1, 2, 4):
            pairs = draw_synonym_replacements(words, n, generator=seed)
            olds = [old for old, _ in pairs]
            assert len(pairs) <= n and len(set(olds)) == len(olds)
            for old, new in pairs:
                assert old in words and old not in STOP_WORDS
                assert new in synonyms(old)
            with_synonyms = {w for w in words if w not in STOP_WORDS and synonyms(w)}
            assert len(pairs) == min(n, len(with_synonyms))


def test_synonym_replacement_changes_only_non_stopwords_into_their_synonyms():
    checked = 0
    for sentence in SENTENCES:
        words = tokenize(sentence)
        for seed in range(30):
            out = synonym_replacement(words, 2, generator=seed)
            assert out != words
            if len(out) != len(words):  # a multi-word synonym; checked on the pairs above
                continue
            for before, after in zip(words, out, strict=True):
                if before != after:
                    assert before not in STOP_WORDS
                    assert after in synonyms(before)
                    checked += 1
    assert checked > 50


def test_replace_words_kernel_replaces_every_occurrence_and_splits():
    words = ["a", "good", "movie", "is", "good"]
    assert replace_words(words, [("good", "fine")]) == ["a", "fine", "movie", "is", "fine"]
    assert replace_words(words, [("movie", "motion picture")]) == [
        "a", "good", "motion", "picture", "is", "good"]
    assert replace_words(words, []) == words


def test_pos_filter_applies_to_synonym_replacement():
    words = tokenize("The run was a good run and a fast one")
    for seed in range(10):
        for old, new in draw_synonym_replacements(words, 3, pos="n", generator=seed):
            assert new in synonyms(old, "n")


# ----------------------------------------------------------------------------- RI


def test_random_insertion_inserts_synonyms_of_sentence_words():
    words = tokenize(SENTENCES[0])
    for seed in range(20):
        steps = draw_insertions(words, 3, generator=seed)
        assert len(steps) == 3
        current = list(words)
        for index, word in steps:
            assert 0 <= index <= len(current) - 1  # never after the last word, as the original
            assert any(word in synonyms(w) for w in current)
            current.insert(index, word)
        out = random_insertion(words, 3, generator=seed)
        assert out == insert_words(words, steps)
        assert len(out) == len(words) + sum(len(w.split()) for _, w in steps)


def test_insert_words_kernel():
    assert insert_words(["a", "b"], [(0, "x"), (2, "ice cream")]) == ["x", "a", "ice", "cream", "b"]


def test_random_insertion_gives_up_when_no_word_has_a_synonym():
    assert random_insertion(["of", "the"], 3, generator=0) == ["of", "the"]


# ----------------------------------------------------------------------------- RS


@pytest.mark.parametrize("sentence", SENTENCES)
def test_random_swap_preserves_the_multiset_of_words(sentence):
    words = tokenize(sentence)
    for seed in range(25):
        out = random_swap(words, 3, generator=seed)
        assert Counter(out) == Counter(words) and len(out) == len(words)


def test_swap_gives_up_after_three_equal_draws():
    # With two words the second index equals the first with probability 1/2 per draw:
    # three equal draws (the reference gives up then) happen with probability 1/8.
    # Retrying forever would give 0, giving up after four 1/16.
    swaps = draw_swaps(2, 20_000, generator=0)
    given_up = 1 - len(swaps) / 20_000
    assert abs(given_up - 1 / 8) < 0.012
    assert all(i != j for i, j in swaps)
    assert random_swap(["alone"], 5, generator=0) == ["alone"]


def test_swap_words_kernel():
    assert swap_words(["a", "b", "c"], [(0, 2), (0, 1)]) == ["b", "c", "a"]


# ----------------------------------------------------------------------------- RD


def test_random_deletion_never_returns_an_empty_sentence():
    for n in range(1, 12):
        words = [f"w{i}" for i in range(n)]
        for seed in range(10):
            out = random_deletion(words, 1.0, generator=seed)
            assert len(out) == 1 and out[0] in words
    assert random_deletion(["only"], 0.99, generator=0) == ["only"]


def test_random_deletion_rate_and_order():
    keep = draw_deletion(40_000, 0.3, generator=1)
    assert abs(1 - sum(keep) / len(keep) - 0.3) < 0.01
    words = [str(i) for i in range(30)]
    out = random_deletion(words, 0.5, generator=2)
    assert out == sorted(out, key=int)  # survivors keep their order
    assert delete_words(["a", "b", "c"], [True, False, True]) == ["a", "c"]


# ----------------------------------------------------------------------------- driver


@pytest.mark.parametrize("num_aug", [1, 2, 4, 9, 16])
def test_eda_returns_num_aug_sentences_then_the_clean_original(num_aug):
    out = eda(SENTENCES[0], num_aug=num_aug, generator=0)
    assert len(out) == num_aug + 1
    assert out[-1] == clean_text(SENTENCES[0])
    assert all(s == clean_text(s) and s for s in out)


def test_eda_count_with_some_operations_off():
    # Only RS on: int(9 / 4) + 1 = 3 sentences are made, so 3 + the original come back.
    out = eda(SENTENCES[1], alpha_sr=0, alpha_ri=0, alpha_rs=0.2, p_rd=0, num_aug=9, generator=0)
    assert len(out) == 4
    for s in out:
        assert Counter(s.split()) == Counter(tokenize(SENTENCES[1]))
    # Everything off: only the original.
    assert eda(SENTENCES[1], 0, 0, 0, 0, num_aug=5, generator=0) == [clean_text(SENTENCES[1])]
    assert eda(SENTENCES[1], num_aug=0, generator=0) == [clean_text(SENTENCES[1])]


def test_eda_fractional_num_aug_keeps_each_sentence_with_that_probability():
    # num_aug = 0.5: 4 sentences made, each kept with probability 0.5 / 4 -> 0.5 on average.
    kept = [len(eda(SENTENCES[2], num_aug=0.5, generator=s)) - 1 for s in range(400)]
    assert abs(sum(kept) / len(kept) - 0.5) < 0.15


def test_eda_is_reproducible_and_leaves_global_random_alone():
    random.seed(123)
    state = random.getstate()
    a = eda(SENTENCES[3], num_aug=8, generator=7)
    assert random.getstate() == state
    assert eda(SENTENCES[3], num_aug=8, generator=7) == a
    assert eda(SENTENCES[3], num_aug=8, generator=random.Random(7)) == a
    assert eda(SENTENCES[3], num_aug=8, generator=8) != a
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert eda(SENTENCES[3], generator=g1) == eda(SENTENCES[3], generator=g2)


def test_eda_class_continues_one_seeded_stream():
    first = EDA(num_aug=4, generator=0)
    second = EDA(num_aug=4, generator=0)
    outs = [first(s) for s in SENTENCES]
    assert outs == [second(s) for s in SENTENCES]
    assert all(len(o) == 5 for o in outs)


def test_augment_dataset_repeats_labels():
    texts, labels = augment_dataset(SENTENCES[:2], [1, 0], EDA(num_aug=3, generator=0))
    assert len(texts) == 8 and labels == [1, 1, 1, 1, 0, 0, 0, 0]
    texts, labels = augment_dataset(["a b", "c d"], [0, 1], lambda xs: [x.upper() for x in xs],
                                    batched=True)
    assert texts == ["A B", "C D"] and labels == [0, 1]
    with pytest.raises(ValueError, match="labels"):
        augment_dataset(["a"], [0, 1], lambda t: t)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(sentence=123), "sentence"),
        (dict(sentence=""), "sentence"),
        (dict(sentence="!!! 42"), "sentence"),
        (dict(alpha_sr=1.5), "alpha_sr"),
        (dict(alpha_ri=-0.1), "alpha_ri"),
        (dict(alpha_rs=float("nan")), "alpha_rs"),
        (dict(p_rd="0.1"), "p_rd"),
        (dict(num_aug=-1), "num_aug"),
        (dict(num_aug=2.5), "num_aug"),
        (dict(num_aug=True), "num_aug"),
        (dict(pos="x"), "pos"),
        (dict(generator="seed"), "generator"),
    ],
)
def test_eda_bad_input_names_the_argument(kwargs, name):
    args = dict(sentence="a good movie")
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        eda(**args)


def test_operations_bad_input():
    with pytest.raises(ValueError, match="words"):
        random_swap("a plain string", 1)
    with pytest.raises(ValueError, match="words"):
        synonym_replacement(["ok", 3], 1)
    with pytest.raises(ValueError, match="n must be"):
        random_insertion(["ok"], -1)
    with pytest.raises(ValueError, match="p must be"):
        random_deletion(["a", "b"], 2)
    with pytest.raises(ValueError, match="keep"):
        delete_words(["a", "b"], [True])
    with pytest.raises(ValueError, match="word"):
        synonyms(None)
