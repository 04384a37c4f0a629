"""Text augmentation: EDA with WordNet, back-translation, sentence shuffling, token noise,
instruction paraphrase. Course section 3; the sentiment lab of section 8 measures them.

* :mod:`helpers.text.eda`            EDA's four operations (Wei & Zou 2019), WordNet synonyms
* :mod:`helpers.text.backtranslate`  back-translation, offline with Apertium, or any translator
* :mod:`helpers.text.noise`          sentence shuffling, DropToken, span masking (lists and id tensors)
* :mod:`helpers.text.paraphrase`     instruction paraphrase through a pluggable ``llm(prompt)``

Word-list operations (EDA) take ``generator=`` as None, an int seed, a ``random.Random``
or a ``torch.Generator`` and use a private ``random.Random``; token noise takes None, an
int seed or a ``torch.Generator``. The same seed gives the same output.
"""

from .backtranslate import apertium_translate, back_translate, strip_markers
from .eda import (
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
from .noise import (
    DropToken,
    SpanMask,
    apply_span_mask,
    draw_spans,
    draw_token_dropout,
    permute_sentences,
    shuffle_sentences,
    span_mask_ids,
    span_masking,
    span_positions,
    split_sentences,
    token_dropout,
    token_dropout_ids,
)
from .paraphrase import (
    PARAPHRASE_PROMPT,
    keeps_protected_spans,
    offline_paraphrases,
    paraphrase_instruction,
    parse_numbered_list,
    replace_synonyms_keep_case,
)

__all__ = [
    "EDA",
    "PARAPHRASE_PROMPT",
    "STOP_WORDS",
    "DropToken",
    "SpanMask",
    "apertium_translate",
    "apply_span_mask",
    "augment_dataset",
    "back_translate",
    "clean_text",
    "delete_words",
    "draw_deletion",
    "draw_insertions",
    "draw_spans",
    "draw_swaps",
    "draw_synonym_replacements",
    "draw_token_dropout",
    "eda",
    "insert_words",
    "keeps_protected_spans",
    "offline_paraphrases",
    "paraphrase_instruction",
    "parse_numbered_list",
    "permute_sentences",
    "random_deletion",
    "random_insertion",
    "random_swap",
    "replace_synonyms_keep_case",
    "replace_words",
    "shuffle_sentences",
    "span_mask_ids",
    "span_masking",
    "span_positions",
    "split_sentences",
    "strip_markers",
    "swap_words",
    "synonym_replacement",
    "synonyms",
    "token_dropout",
    "token_dropout_ids",
    "tokenize",
]
