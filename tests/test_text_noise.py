"""Sentence shuffling, DropToken and span masking (helpers.text.noise)."""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations

import pytest
import torch

from helpers.text import (
    DropToken,
    SpanMask,
    apply_span_mask,
    draw_spans,
    permute_sentences,
    shuffle_sentences,
    span_mask_ids,
    span_masking,
    span_positions,
    split_sentences,
    token_dropout,
    token_dropout_ids,
)
from helpers.text.noise import compact

PAD, CLS, SEP, MASK = 0, 101, 102, 103


def _batch(lengths, width, generator=0):
    """Right-padded ids in [1000, 2000) framed by [CLS] ... [SEP]."""
    g = torch.Generator().manual_seed(generator)
    ids = torch.randint(1000, 2000, (len(lengths), width), generator=g)
    for row, n in enumerate(lengths):
        ids[row, 0], ids[row, n - 1] = CLS, SEP
        ids[row, n:] = PAD
    return ids


# ----------------------------------------------------------------------------- sentences


def test_split_sentences_keeps_abbreviations_and_initials():
    doc = 'Mr. Smith loved it. The plot is thin! But the cast, e.g. Jane, shines? Yes. ' \
          'J. K. Rowling wrote "it." Then 3 more'
    assert split_sentences(doc) == [
        "Mr. Smith loved it.", "The plot is thin!", "But the cast, e.g. Jane, shines?",
        "Yes.", 'J. K. Rowling wrote "it."', "Then 3 more",
    ]
    assert split_sentences("") == []


def test_shuffle_sentences_permutes_and_is_seeded():
    doc = "One is here. Two is there. Three is everywhere. Four is nowhere."
    out = shuffle_sentences(doc, generator=0)
    assert Counter(split_sentences(out)) == Counter(split_sentences(doc))
    assert shuffle_sentences(doc, generator=0) == out
    outs = {shuffle_sentences(doc, generator=s) for s in range(30)}
    assert len(outs) > 10  # many of the 24 orders appear
    as_list = shuffle_sentences(["a", "b", "c"], generator=1)
    assert sorted(as_list) == ["a", "b", "c"]


def test_permute_sentences_kernel():
    assert permute_sentences(["a", "b", "c"], [2, 0, 1]) == ["c", "a", "b"]
    with pytest.raises(ValueError, match="order"):
        permute_sentences(["a", "b"], [0, 0])


# ----------------------------------------------------------------------------- DropToken


def test_compact_packs_kept_tokens_left_in_order():
    ids = torch.tensor([[5, 6, 7, 8, 0], [9, 10, 11, 0, 0]])
    keep = torch.tensor([[True, False, True, True, False], [False, True, False, False, False]])
    assert compact(ids, keep, 0).tolist() == [[5, 7, 8, 0, 0], [10, 0, 0, 0, 0]]


def test_token_dropout_ids_removes_tokens_and_repacks_rows():
    lengths = [40, 17, 3, 64]
    ids = _batch(lengths, 64)
    out = token_dropout_ids(ids, 0.3, pad_id=PAD, protected_ids=[CLS, SEP], generator=0)
    assert out.shape == ids.shape and out.dtype == ids.dtype
    for row, n in enumerate(lengths):
        kept = out[row][out[row] != PAD].tolist()
        source = ids[row, :n].tolist()
        assert kept[0] == CLS and kept[-1] == SEP  # protected tokens stay
        it = iter(source)
        assert all(tok in it for tok in kept)  # a subsequence: order kept
        assert (out[row, len(kept):] == PAD).all()  # right-padded
    assert torch.equal(out, token_dropout_ids(ids, 0.3, pad_id=PAD, protected_ids=[CLS, SEP],
                                              generator=0))


def test_token_dropout_rate_and_replacement():
    ids = torch.randint(1, 1000, (64, 512), generator=torch.Generator().manual_seed(0))
    out = token_dropout_ids(ids, 0.2, pad_id=PAD, replace_id=MASK, generator=1)
    changed = out != ids
    assert abs(changed.float().mean().item() - 0.2) < 0.01  # 32 768 tokens: sd 0.0022
    assert (out[changed] == MASK).all()
    assert torch.equal(token_dropout_ids(ids, 0.0, pad_id=PAD, generator=1), ids)
    only_special = token_dropout_ids(_batch([10], 12), 1.0, pad_id=PAD, protected_ids=[CLS, SEP])
    assert only_special.tolist() == [[CLS, SEP] + [PAD] * 10]


def test_token_list_matches_the_tensor_version():
    tokens = [f"t{i}" for i in range(50)]
    ids = torch.arange(1, 51)
    out_ids = token_dropout_ids(ids, 0.25, pad_id=PAD, generator=5)
    out_tokens = token_dropout(tokens, 0.25, generator=5)
    assert out_tokens == [f"t{i - 1}" for i in out_ids[out_ids != PAD].tolist()]
    replaced = token_dropout(tokens, 0.25, replace_with="[UNK]", generator=5)
    assert len(replaced) == 50 and replaced.count("[UNK]") == 50 - len(out_tokens)


def test_drop_token_module_is_identity_in_eval_mode():
    ids = _batch([20, 30], 32)
    layer = DropToken(0.5, pad_id=PAD, generator=0)
    assert not torch.equal(layer(ids), ids)
    layer.eval()
    assert layer(ids) is ids


# ----------------------------------------------------------------------------- spans


def test_draw_spans_counts_and_no_overlap():
    lengths = torch.tensor([0, 2, 10, 37, 100, 512])
    starts, valid = draw_spans(lengths, 3, 0.15, generator=0)
    for row, n in enumerate(lengths.tolist()):
        k = min(n // 3, math.floor(0.15 * n / 3 + 0.5))
        s = starts[row][valid[row]].tolist()
        assert len(s) == k
        assert s == sorted(s) and all(b - a >= 3 for a, b in zip(s, s[1:], strict=False))
        assert all(0 <= a and a + 3 <= n for a in s)


def test_span_layouts_are_uniform():
    # n = 10, span 3, ratio 0.6 -> k = 2 spans: C(10 - 2*2, 2) = 15 layouts, each 1/15.
    starts, valid = draw_spans(torch.full((6000,), 10), 3, 0.6, generator=1)
    assert valid.all() and starts.shape == (6000, 2)
    counts = Counter(map(tuple, starts.tolist()))
    layouts = {(a, b + 2) for a, b in combinations(range(6), 2)}
    assert set(counts) == layouts
    assert all(abs(c - 400) < 100 for c in counts.values())  # sd about 19


def test_span_positions_kernel():
    starts = torch.tensor([[1, 5], [0, 0]])
    valid = torch.tensor([[True, True], [True, False]])
    mask = span_positions(starts, valid, 2, 8)
    assert mask.int().tolist() == [[0, 1, 1, 0, 0, 1, 1, 0], [1, 1, 0, 0, 0, 0, 0, 0]]


def test_span_mask_ids_masks_whole_spans_and_spares_special_tokens():
    lengths = [64, 40, 12]
    ids = _batch(lengths, 64)
    out = span_mask_ids(ids, MASK, mask_ratio=0.3, span_length=4, pad_id=PAD,
                        protected_ids=[CLS, SEP], generator=0)
    assert out.shape == ids.shape
    for row, n in enumerate(lengths):
        masked = out[row] == MASK
        k = min(n // 4, math.floor(0.3 * n / 4 + 0.5))
        assert masked.sum() <= 4 * k and masked.sum() >= 4 * k - 2  # CLS/SEP may cut a span
        assert out[row, 0] == CLS and out[row, n - 1] == SEP
        assert (out[row, n:] == PAD).all()
        assert torch.equal(out[row][~masked], ids[row][~masked])


def test_span_mask_collapse_leaves_one_mask_per_run():
    ids = torch.arange(1, 31).unsqueeze(0)
    full = span_mask_ids(ids, MASK, mask_ratio=0.4, span_length=3, pad_id=PAD, generator=2)
    short = span_mask_ids(ids, MASK, mask_ratio=0.4, span_length=3, pad_id=PAD,
                          collapse=True, generator=2)
    runs = [t for i, t in enumerate(full[0].tolist()) if t != MASK or i == 0
            or full[0, i - 1] != MASK]
    assert short[0, :len(runs)].tolist() == runs and (short[0, len(runs):] == PAD).all()


def test_span_masking_on_tokens_matches_the_tensor_version():
    tokens = [f"w{i}" for i in range(30)]
    out = span_masking(tokens, "[MASK]", mask_ratio=0.3, span_length=3, generator=4)
    ids = span_mask_ids(torch.arange(30), -1, mask_ratio=0.3, span_length=3, generator=4)
    assert out == ["[MASK]" if i < 0 else f"w{i}" for i in ids.tolist()]
    assert out.count("[MASK]") == 9
    short = span_masking(tokens, "[MASK]", mask_ratio=0.3, span_length=3, collapse=True,
                         generator=4)
    assert len(short) == 30 - 9 + short.count("[MASK]")


def test_span_mask_module():
    layer = SpanMask(MASK, mask_ratio=0.5, span_length=2, pad_id=PAD, generator=0)
    ids = _batch([16, 16], 16)
    assert (layer(ids) == MASK).any()
    assert layer.eval()(ids) is ids


def test_apply_span_mask_kernel():
    ids = torch.tensor([[1, 2, 3, 4, 5, 0]])
    mask = torch.tensor([[False, True, True, False, True, False]])
    assert apply_span_mask(ids, mask, 9).tolist() == [[1, 9, 9, 4, 9, 0]]
    assert apply_span_mask(ids, mask, 9, collapse=True, pad_id=0).tolist() == [[1, 9, 4, 9, 0, 0]]


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: token_dropout_ids(torch.rand(2, 5), 0.1), "ids"),
        (lambda: token_dropout_ids(torch.zeros(2, 3, 4, dtype=torch.long), 0.1), "ids"),
        (lambda: token_dropout_ids([1, 2, 3], 0.1), "ids"),
        (lambda: token_dropout_ids(torch.ones(2, 5, dtype=torch.long), 1.5), "p"),
        (lambda: token_dropout("a b c", 0.1), "tokens"),
        (lambda: span_mask_ids(torch.tensor([[0, 5, 6]]), MASK, pad_id=0), "right-padded"),
        (lambda: span_mask_ids(torch.ones(1, 5, dtype=torch.long), MASK, collapse=True), "pad_id"),
        (lambda: span_mask_ids(torch.ones(1, 5, dtype=torch.long), MASK, span_length=0),
         "span_length"),
        (lambda: span_mask_ids(torch.ones(1, 5, dtype=torch.long), MASK, mask_ratio=-0.1),
         "mask_ratio"),
        (lambda: shuffle_sentences(["a", 1]), "document"),
        (lambda: token_dropout(["a"], 0.1, generator="x"), "generator"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ----------------------------------------------------------------------------- devices


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_seed_same_result_on_cuda():
    ids = _batch([50, 20, 64], 64)
    for fn in (
        lambda x: token_dropout_ids(x, 0.2, pad_id=PAD, protected_ids=[CLS, SEP], generator=3),
        lambda x: span_mask_ids(x, MASK, pad_id=PAD, protected_ids=[CLS, SEP], collapse=True,
                                generator=3),
    ):
        on_gpu = fn(ids.cuda())
        assert on_gpu.is_cuda and torch.equal(on_gpu.cpu(), fn(ids))
