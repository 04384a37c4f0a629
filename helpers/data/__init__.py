"""Offline datasets for the course, and the step that prepares them.

Everything here comes from installed packages (scikit-learn, matplotlib's fonts, the
operating system's WordNet) or is generated locally; nothing is downloaded.
Run ``python -m helpers.data prepare`` (``make setup`` does) to build the prepared data.
"""

from .images import Split, load_digits, load_sample_photos, render_glyphs
from .paths import MissingDataError, data_root
from .speech import AudioSet, load_real_digits, load_spoken_digits, make_bird_calls, prepare_speech
from .text import TextSplit, load_sentiment, sentiment_corpus
from .wordnet import nltk_data_dir, prepare_wordnet, use_project_wordnet

__all__ = [
    "AudioSet",
    "MissingDataError",
    "Split",
    "TextSplit",
    "data_root",
    "load_digits",
    "load_real_digits",
    "load_spoken_digits",
    "make_bird_calls",
    "load_sample_photos",
    "load_sentiment",
    "nltk_data_dir",
    "prepare_speech",
    "prepare_wordnet",
    "render_glyphs",
    "sentiment_corpus",
    "use_project_wordnet",
]
