"""Instruction paraphrase (helpers.text.paraphrase): the pluggable llm path and the offline
rule-based stand-in."""

from __future__ import annotations

import re
import shutil

import pytest

from helpers.text import (
    PARAPHRASE_PROMPT,
    keeps_protected_spans,
    offline_paraphrases,
    paraphrase_instruction,
    parse_numbered_list,
    replace_synonyms_keep_case,
    synonyms,
)

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None,
                                    reason="Apertium is not installed (apt-get install apertium "
                                           "apertium-eng-spa)")

INSTRUCTION = "Write a Python function `sum_list(xs)` that returns the total of 3 numbers quickly."


def test_parse_numbered_list():
    reply = '1. First rewrite.\n2) "Second rewrite."\n\n- Third\n* Third\n3: Fourth\nplain line'
    assert parse_numbered_list(reply) == [
        "First rewrite.", "Second rewrite.", "Third", "Fourth", "plain line"]


def test_llm_gets_one_prompt_and_its_reply_is_parsed():
    prompts = []

    def llm(prompt):
        prompts.append(prompt)
        return f"1. Rewrite one.\n2. {INSTRUCTION}\n3. Rewrite two.\n4. Rewrite three."

    out = paraphrase_instruction(INSTRUCTION, n=2, llm=llm)
    assert prompts == [PARAPHRASE_PROMPT.format(n=2, instruction=INSTRUCTION)]
    assert INSTRUCTION in prompts[0] and "2 different ways" in prompts[0]
    assert out == ["Rewrite one.", "Rewrite two."]  # the instruction itself is dropped


def test_llm_errors():
    with pytest.raises(ValueError, match="llm"):
        paraphrase_instruction(INSTRUCTION, llm=lambda p: None)
    with pytest.raises(ValueError, match="llm"):
        paraphrase_instruction(INSTRUCTION, llm="gpt")
    with pytest.raises(ValueError, match="instruction"):
        paraphrase_instruction("   ")
    with pytest.raises(ValueError, match="n must be"):
        paraphrase_instruction(INSTRUCTION, n=0)


def test_keep_case_replacement_touches_only_plain_words():
    chunks = INSTRUCTION.split()
    for seed in range(15):
        out = replace_synonyms_keep_case(INSTRUCTION, 0.5, generator=seed)
        new = out.split()
        assert len(new) == len(chunks)
        for before, after in zip(chunks, new, strict=True):
            if before == after:
                continue
            word, tail = re.match(r"([A-Za-z]+)(\W?)$", before).groups()
            assert after.endswith(tail) and after[0].isupper() == word[0].isupper()
            assert after[: len(after) - len(tail)].lower() in synonyms(word.lower())
        # code, names, numbers, stopwords and inflected forms are never touched
        for fixed in ("`sum_list(xs)`", "Python", "3", "the", "a", "returns", "numbers"):
            assert fixed in new


def test_keeps_protected_spans():
    assert keeps_protected_spans(INSTRUCTION, INSTRUCTION.replace("total", "sum"))
    assert not keeps_protected_spans(INSTRUCTION, INSTRUCTION.replace("`sum_list(xs)`", "`sum`"))
    assert not keeps_protected_spans(INSTRUCTION, INSTRUCTION.replace("3", "three"))
    assert not keeps_protected_spans("Ask Marie Curie.", "Ask Mary Curie.")


def test_offline_paraphrases_without_back_translation():
    out = offline_paraphrases(INSTRUCTION, 4, back_translation=False, generator=0)
    assert len(out) == 4 and len(set(out)) == 4 and INSTRUCTION not in out
    assert out == offline_paraphrases(INSTRUCTION, 4, back_translation=False, generator=0)
    assert paraphrase_instruction(INSTRUCTION, 4, generator=0) == offline_paraphrases(
        INSTRUCTION, 4, generator=0)  # no llm: the offline stand-in
    with pytest.raises(ValueError, match="back_translation"):
        offline_paraphrases(INSTRUCTION, back_translation="yes")


@needs_apertium
def test_offline_paraphrases_start_with_the_back_translation():
    from helpers.text import back_translate

    out = offline_paraphrases("Summarize the following article in three sentences.", 3,
                              generator=1)
    assert out[0] == back_translate("Summarize the following article in three sentences.")
    assert len(out) == 3
