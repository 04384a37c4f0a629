"""``python -m helpers.data prepare``: build every offline dataset the course uses."""

from __future__ import annotations

import sys


def prepare() -> int:
    from . import speech, text, wordnet
    from .paths import MissingDataError

    wordnet.prepare_wordnet()
    speech.prepare_speech()
    try:
        print(f"text: Rotten Tomatoes snippets in {text.corpus_path()}")
    except MissingDataError as e:  # each dataset says what is missing; the others still build
        print(f"text: {e}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] != ["prepare"]:
        print("usage: python -m helpers.data prepare", file=sys.stderr)
        return 2
    return prepare()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
