"""WordNet 3.0 for NLTK, built offline from the operating system's WordNet package.

Debian's ``wordnet-base`` installs the database under ``/usr/share/wordnet`` and
``wordnet-sense-index`` adds ``index.sense``. NLTK's reader also wants a ``lexnames`` file
(the 45 lexicographer files), which Debian does not ship: we write it from the man page
``lexnames(5WN)`` when it is installed, or from the same table kept here.
"""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

from .._extras import require
from .paths import MissingDataError, data_root

SYSTEM_WORDNET = Path("/usr/share/wordnet")
LEXNAMES_MANPAGE = Path("/usr/share/man/man5/lexnames.5WN.gz")

# The 45 lexicographer files of WordNet 3.0, in file-number order (lexnames(5WN)).
LEXICOGRAPHER_FILES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
    "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
    "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
    "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
    "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
    "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
).split()

# Syntactic category numbers used in the third column (1 noun, 2 verb, 3 adjective, 4 adverb).
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

REQUIRED_FILES = (
    [f"{kind}.{pos}" for kind in ("index", "data") for pos in ("noun", "verb", "adj", "adv")]
    + [f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")]
    + ["index.sense"]
)

INSTALL_HINT = (
    "WordNet 3.0 is missing. On Debian/Ubuntu run\n"
    "    sudo apt-get install wordnet-base wordnet-sense-index\n"
    "then `python -m helpers.data prepare` (`make setup` does both). On a hosted notebook "
    "(Colab, Kaggle), where you are root: `!apt-get install -y wordnet-base "
    "wordnet-sense-index`, then `!python -m helpers.data prepare`. With NLTK's own data: "
    "`python -c \"import nltk; nltk.download('wordnet')\"`, or set NLTK_DATA to the folder "
    "that holds corpora/wordnet."
)


def nltk_data_dir() -> Path:
    """The project-local NLTK data folder (it holds ``corpora/wordnet``)."""
    return data_root() / "nltk_data"


def lexnames_from_manpage(path: Path = LEXNAMES_MANPAGE) -> list[str]:
    """Read the lexicographer file names, in order, from the ``lexnames(5WN)`` man page."""
    text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
    rows = re.findall(r"^(\d\d)\t(\w+\.\w+)[ \t]*\t", text, flags=re.MULTILINE)
    return [name for _, name in sorted(rows, key=lambda r: int(r[0]))]


def lexnames_text(names: list[str] | None = None) -> str:
    """The ``lexnames`` file NLTK reads: ``NN<TAB>name<TAB>category`` per line."""
    if names is None:
        names = lexnames_from_manpage() if LEXNAMES_MANPAGE.exists() else list(LEXICOGRAPHER_FILES)
    lines = [f"{i:02d}\t{n}\t{_CATEGORY[n.split('.')[0]]}" for i, n in enumerate(names)]
    return "\n".join(lines) + "\n"


def prepare_wordnet(source: Path = SYSTEM_WORDNET, *, quiet: bool = False) -> Path | None:
    """Copy the system WordNet into ``nltk_data/corpora/wordnet`` with a ``lexnames`` file.

    Returns the target folder, or None (with a message) when the system files are missing.
    Idempotent: files already copied are kept.
    """
    missing = [f for f in REQUIRED_FILES if not (source / f).exists()]
    if missing:
        if not quiet:
            print(f"wordnet: not prepared ({', '.join(missing[:3])} missing).\n{INSTALL_HINT}")
        return None
    target = nltk_data_dir() / "corpora" / "wordnet"
    target.mkdir(parents=True, exist_ok=True)
    for f in sorted(source.iterdir()):
        dest = target / f.name
        if f.is_file() and (not dest.exists() or dest.stat().st_size != f.stat().st_size):
            shutil.copyfile(f, dest)
    (target / "lexnames").write_text(lexnames_text())
    if not quiet:
        print(f"wordnet: ready in {target}")
    return target


def use_project_wordnet() -> None:
    """Put the project's NLTK data folder first on ``nltk.data.path``.

    Raises MissingDataError (with the install command) when it has not been prepared.
    """
    require("nltk", "helpers.data.wordnet")
    import nltk

    folder = nltk_data_dir()
    if not (folder / "corpora" / "wordnet" / "lexnames").exists():
        try:  # a user's own NLTK data may already hold WordNet
            nltk.data.find("corpora/wordnet")
            return
        except LookupError:
            raise MissingDataError(INSTALL_HINT) from None
    if str(folder) not in nltk.data.path:
        nltk.data.path.insert(0, str(folder))
