"""WordNet 3.0 loads through NLTK from the project's own data folder."""

from __future__ import annotations

import pytest

from helpers.data import wordnet as wn_data


def test_lexnames_has_the_45_lexicographer_files_in_order():
    lines = wn_data.lexnames_text().splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3"
    assert lines[3] == "03\tnoun.Tops\t1"
    assert lines[29] == "29\tverb.body\t2"
    assert lines[44] == "44\tadj.ppl\t3"


@pytest.mark.skipif(not wn_data.LEXNAMES_MANPAGE.exists(), reason="lexnames(5WN) man page absent")
def test_embedded_lexnames_table_agrees_with_the_man_page():
    assert wn_data.lexnames_from_manpage() == list(wn_data.LEXICOGRAPHER_FILES)


def test_wordnet_loads_from_the_project_folder():
    wn_data.use_project_wordnet()
    import nltk
    from nltk.corpus import wordnet

    assert nltk.data.path[0] == str(wn_data.nltk_data_dir())
    assert wordnet.get_version() == "3.0"
    assert str(nltk.data.find("corpora/wordnet")).startswith(str(wn_data.nltk_data_dir()))
    # a few facts of WordNet 3.0
    assert wordnet.synset("dog.n.01").lexname() == "noun.animal"
    assert "glad" in {lemma.name() for s in wordnet.synsets("happy") for lemma in s.lemmas()}
    assert wordnet.lemma_from_key("dog%1:05:00::").synset() == wordnet.synset("dog.n.01")


def test_missing_wordnet_is_a_clear_error(tmp_path, monkeypatch):
    import nltk

    monkeypatch.setenv("AUGCOURSE_DATA", str(tmp_path))
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "nowhere")])
    with pytest.raises(FileNotFoundError, match="apt-get install wordnet-base wordnet-sense-index"):
        wn_data.use_project_wordnet()


def test_prepare_reports_missing_system_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUGCOURSE_DATA", str(tmp_path))
    assert wn_data.prepare_wordnet(source=tmp_path / "no-wordnet") is None
    assert "wordnet-base" in capsys.readouterr().out
