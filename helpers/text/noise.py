"""Sentence shuffling and token-level noise: token dropout (DropToken) and span masking.

Course section 3 teaches them (token noise is dropout on the input sequence); section 7
uses the tensor versions in the training recipe.

Each noise comes twice: on a list of tokens (str) and on a batch of integer token ids
``(B, L)`` (any device, vectorised: no Python loop over the batch). Both draw their random
numbers with the same ``torch`` calls on the generator's device (the CPU unless a CUDA
``torch.Generator`` is passed) and move them to the input's device, so a seed gives the
same result on CPU and CUDA, and a token list gives the same result as a batch of one.
``generator`` is None (torch's global stream), an int seed or a ``torch.Generator``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch
from torch import nn

from .._validate import check_int, check_probability, make_generator

# ----------------------------------------------------------------------------- sentences

_BOUNDARY = re.compile(r"""([.!?]+["')\]]*)\s+(?=["'(\[]?[A-Z0-9])""")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e no fig inc ltd co mt gen col lt sgt".split()
)


def split_sentences(document: str) -> list[str]:
    """Split a document into sentences with a small rule: ``.``, ``!`` or ``?`` (and any
    closing quote or bracket), whitespace, then a capital letter, digit or opening quote.

    Titles and abbreviations (``Mr.``, ``Dr.``, ``e.g.``, single initials) do not end a
    sentence. It is a rule, not a trained splitter: pass your own list of sentences to
    :func:`shuffle_sentences` when it matters.
    """
    if not isinstance(document, str):
        raise ValueError(f"document must be a str, got {type(document).__name__}")
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(document):
        before = document[start:match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if match.group(1) == "." and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        sentences.append(document[start:match.end(1)].strip())
        start = match.end()
    tail = document[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def permute_sentences(sentences: Sequence[str], order: Sequence[int]) -> list[str]:
    """Kernel of sentence shuffling: ``[sentences[i] for i in order]``, ``order`` a permutation."""
    order = [int(i) for i in order]
    if sorted(order) != list(range(len(sentences))):
        raise ValueError(
            f"order must be a permutation of range({len(sentences)}), got {order}"
        )
    return [sentences[i] for i in order]


def shuffle_sentences(document, *, generator=None):
    """Randomly permute the sentences of a document (a str, or a list of sentences).

    Only for bag-of-meaning tasks, where the label does not depend on the order of the
    sentences: sentiment, topic or spam classification. Never for tasks whose answer
    lives in the order or in the links between sentences: natural-language inference,
    question answering, summarisation, story or dialogue modelling, anything with
    "before"/"after"/"then". A str comes back as a str (sentences joined by one space),
    a list as a list.
    """
    as_text = isinstance(document, str)
    sentences = split_sentences(document) if as_text else list(document)
    if not all(isinstance(s, str) for s in sentences):
        raise ValueError("document must be a str or a list of str")
    g = make_generator(generator)
    order = torch.randperm(len(sentences), generator=g, device=g.device if g else "cpu")
    out = permute_sentences(sentences, order.tolist())
    return " ".join(out) if as_text else out


# ----------------------------------------------------------------------------- helpers


def _check_ids(ids, name: str = "ids") -> tuple[torch.Tensor, bool]:
    if not isinstance(ids, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of token ids, got {type(ids).__name__}")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer token ids, got {ids.dtype}")
    if ids.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (L,) or (B, L), got {tuple(ids.shape)}")
    return (ids.unsqueeze(0), True) if ids.ndim == 1 else (ids, False)


def _check_tokens(tokens, name: str = "tokens") -> list[str]:
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise ValueError(f"{name} must be a list of str tokens, got {type(tokens).__name__}")
    if not all(isinstance(t, str) for t in tokens):
        raise ValueError(f"{name} must contain only str")
    return list(tokens)


def _uniform(shape, generator) -> torch.Tensor:
    g = make_generator(generator)
    return torch.rand(shape, generator=g, device=g.device if g is not None else "cpu")


def _protected_mask(ids: torch.Tensor, pad_id, protected_ids) -> torch.Tensor:
    protected = torch.zeros_like(ids, dtype=torch.bool)
    if pad_id is not None:
        protected |= ids == pad_id
    if len(protected_ids):
        table = torch.as_tensor(list(protected_ids), dtype=ids.dtype, device=ids.device)
        protected |= torch.isin(ids, table)
    return protected


def compact(ids: torch.Tensor, keep: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Move the kept tokens of each row to the front, in order, and pad the rest.

    ``ids`` int ``(B, L)``, ``keep`` bool ``(B, L)``; returns ``(B, L)``, right-padded with
    ``pad_id``. One stable sort per batch, no loop over rows.
    """
    order = torch.argsort((~keep).to(torch.uint8), dim=-1, stable=True)
    out = ids.gather(-1, order)
    slots = torch.arange(ids.shape[-1], device=ids.device)
    return out.masked_fill(slots >= keep.sum(-1, keepdim=True), pad_id)


# ----------------------------------------------------------------------------- dropout


def draw_token_dropout(shape, p: float, *, generator=None) -> torch.Tensor:
    """Bool mask of the tokens to drop: each is True with probability ``p`` (generator's device)."""
    p = check_probability(p, "p")
    return _uniform(tuple(shape), generator) < p


def token_dropout(tokens: Sequence[str], p: float = 0.1, *, replace_with: str | None = None,
                  generator=None) -> list[str]:
    """DropToken on a token list: each token is dropped with probability ``p``.

    With ``replace_with`` (e.g. ``"[UNK]"``) a dropped token is replaced instead of
    removed, keeping the length. Tokens are dropped independently, so a short list can
    come back empty when ``replace_with`` is None.
    """
    tokens = _check_tokens(tokens)
    drop = draw_token_dropout((len(tokens),), p, generator=generator).tolist()
    if replace_with is not None:
        return [replace_with if d else t for t, d in zip(tokens, drop, strict=True)]
    return [t for t, d in zip(tokens, drop, strict=True) if not d]


def token_dropout_ids(ids: torch.Tensor, p: float = 0.1, *, pad_id: int = 0,
                      replace_id: int | None = None, protected_ids: Sequence[int] = (),
                      generator=None) -> torch.Tensor:
    """DropToken on a batch of token ids, every row independently, in one vectorised step.

    ``ids`` int ``(B, L)`` or ``(L,)``; tokens equal to ``pad_id`` or listed in
    ``protected_ids`` (e.g. ``[CLS]``, ``[SEP]``) are never dropped. Without ``replace_id``
    dropped tokens are removed and each row is re-packed to the left and right-padded with
    ``pad_id``; with it they are replaced by ``replace_id`` in place. Returns the same shape
    and dtype on the same device. The drop mask is drawn on the generator's device.
    """
    batch, single = _check_ids(ids)
    drop = draw_token_dropout(batch.shape, p, generator=generator).to(batch.device)
    drop &= ~_protected_mask(batch, pad_id, protected_ids)
    if replace_id is not None:
        out = batch.masked_fill(drop, replace_id)
    else:
        keep = ~drop & (batch != pad_id)
        out = compact(batch, keep, pad_id)
    return out[0] if single else out


class DropToken(nn.Module):
    """``nn.Module`` form of :func:`token_dropout_ids` (identity in ``eval()`` mode, like
    ``nn.Dropout``); put it before the embedding layer or in the data pipeline."""

    def __init__(self, p: float = 0.1, *, pad_id: int = 0, replace_id: int | None = None,
                 protected_ids: Sequence[int] = (), generator=None):
        super().__init__()
        self.p = check_probability(p, "p")
        self.pad_id, self.replace_id = pad_id, replace_id
        self.protected_ids = tuple(protected_ids)
        self.generator = make_generator(generator)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return ids
        return token_dropout_ids(ids, self.p, pad_id=self.pad_id, replace_id=self.replace_id,
                                 protected_ids=self.protected_ids, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, pad_id={self.pad_id}, replace_id={self.replace_id}"


# ----------------------------------------------------------------------------- spans


def draw_spans(lengths, span_length: int = 3, mask_ratio: float = 0.15, *,
               generator=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw non-overlapping spans of ``span_length`` tokens for each sequence.

    A sequence of ``n`` tokens gets ``k = min(n // span_length,
    floor(mask_ratio * n / span_length + 0.5))`` spans (so about ``mask_ratio`` of its
    tokens are covered), placed uniformly among all non-overlapping layouts: ``k`` distinct
    slots are drawn from ``n - k * (span_length - 1)`` and slot ``s_i`` (sorted, i = 0..k-1)
    starts at ``s_i + i * (span_length - 1)``. ``lengths`` is int ``(B,)``; returns
    ``starts`` long ``(B, K)`` and ``valid`` bool ``(B, K)`` with ``K = max k``, on the
    generator's device.
    """
    span_length = check_int(span_length, "span_length", minimum=1)
    mask_ratio = check_probability(mask_ratio, "mask_ratio")
    g = make_generator(generator)
    device = g.device if g is not None else torch.device("cpu")
    n = torch.as_tensor(lengths, device=device).long().reshape(-1)
    if (n < 0).any():
        raise ValueError(f"lengths must be >= 0, got {n.tolist()}")
    k = torch.minimum(n // span_length,
                      torch.floor(mask_ratio * n / span_length + 0.5).long())
    slots = n - k * (span_length - 1)
    K = int(k.max()) if len(k) else 0
    T = int(slots.max()) if len(k) else 0
    scores = torch.rand((len(n), T), generator=g, device=device)
    scores = scores.masked_fill(torch.arange(T, device=device) >= slots[:, None], 2.0)
    chosen = scores.argsort(dim=-1)[:, :K]
    valid = torch.arange(K, device=device) < k[:, None]
    chosen = chosen.masked_fill(~valid, T).sort(dim=-1).values
    starts = chosen + torch.arange(K, device=device) * (span_length - 1)
    return starts.masked_fill(~valid, 0), valid


def span_positions(starts: torch.Tensor, valid: torch.Tensor, span_length: int,
                   seq_len: int) -> torch.Tensor:
    """Kernel: bool ``(B, seq_len)``, True inside each valid span ``[start, start + span_length)``."""
    span_length = check_int(span_length, "span_length", minimum=1)
    if starts.shape != valid.shape or starts.ndim != 2:
        raise ValueError(f"starts and valid must both be (B, K), got {tuple(starts.shape)} "
                         f"and {tuple(valid.shape)}")
    delta = torch.zeros((starts.shape[0], seq_len + span_length + 1), dtype=torch.long,
                        device=starts.device)
    weight = valid.long()
    delta.scatter_add_(1, starts, weight)
    delta.scatter_add_(1, starts + span_length, -weight)
    return delta.cumsum(-1)[:, :seq_len] > 0


def apply_span_mask(ids: torch.Tensor, mask: torch.Tensor, mask_id: int, *,
                    collapse: bool = False, pad_id: int | None = None) -> torch.Tensor:
    """Kernel of span masking: every masked token becomes ``mask_id``.

    With ``collapse=True`` each run of masked tokens becomes a single ``mask_id`` (BART's
    text infilling) and rows are re-packed, right-padded with ``pad_id``.
    """
    batch, single = _check_ids(ids)
    if mask.shape != batch.shape or mask.dtype != torch.bool:
        raise ValueError(f"mask must be bool with shape {tuple(batch.shape)}, got "
                         f"{mask.dtype} {tuple(mask.shape)}")
    out = batch.masked_fill(mask, mask_id)
    if collapse:
        if pad_id is None:
            raise ValueError("pad_id must be given when collapse=True")
        first = mask & ~torch.nn.functional.pad(mask[:, :-1], (1, 0), value=False)
        out = compact(out, (~mask | first) & (batch != pad_id), pad_id)
    return out[0] if single else out


def _check_right_padded(batch: torch.Tensor, pad_id) -> torch.Tensor:
    """Number of real tokens per row; pad tokens must all sit at the end of each row."""
    if pad_id is None:
        return torch.full((batch.shape[0],), batch.shape[1], dtype=torch.long)
    is_pad = (batch == pad_id).to(torch.int8)
    if (is_pad.diff(dim=-1) < 0).any():
        raise ValueError("ids must be right-padded: every pad_id must come after the tokens")
    return (batch.shape[1] - is_pad.sum(-1)).cpu()


def span_mask_ids(ids: torch.Tensor, mask_id: int, *, mask_ratio: float = 0.15,
                  span_length: int = 3, pad_id: int | None = None,
                  protected_ids: Sequence[int] = (), collapse: bool = False,
                  generator=None) -> torch.Tensor:
    """Span masking on a batch of token ids: spans of ``span_length`` tokens covering about
    ``mask_ratio`` of each row become ``mask_id`` (see :func:`draw_spans` for the sampling).

    ``ids`` int ``(B, L)`` or ``(L,)``, right-padded with ``pad_id`` (None: no padding);
    tokens in ``protected_ids`` (e.g. ``[CLS]``, ``[SEP]``) stay, so a span over one masks
    fewer tokens. ``collapse=True`` turns each masked run into one ``mask_id`` (needs
    ``pad_id``). Returns the same shape, dtype and device. Spans are drawn on the
    generator's device and moved to the input's.
    """
    batch, single = _check_ids(ids)
    lengths = _check_right_padded(batch, pad_id)
    starts, valid = draw_spans(lengths, span_length, mask_ratio, generator=generator)
    mask = span_positions(starts.to(batch.device), valid.to(batch.device), span_length,
                          batch.shape[1])
    mask &= ~_protected_mask(batch, pad_id, protected_ids)
    out = apply_span_mask(batch, mask, mask_id, collapse=collapse, pad_id=pad_id)
    return out[0] if single else out


def span_masking(tokens: Sequence[str], mask_token: str = "[MASK]", *,
                 mask_ratio: float = 0.15, span_length: int = 3, collapse: bool = False,
                 generator=None) -> list[str]:
    """Span masking on a token list; the same spans as :func:`span_mask_ids` on one row."""
    tokens = _check_tokens(tokens)
    if not isinstance(mask_token, str):
        raise ValueError(f"mask_token must be a str, got {mask_token!r}")
    starts, valid = draw_spans([len(tokens)], span_length, mask_ratio, generator=generator)
    mask = span_positions(starts, valid, span_length, len(tokens))[0].tolist()
    out = []
    for i, (tok, masked) in enumerate(zip(tokens, mask, strict=True)):
        if not masked:
            out.append(tok)
        elif not collapse or i == 0 or not mask[i - 1]:
            out.append(mask_token)
    return out


class SpanMask(nn.Module):
    """``nn.Module`` form of :func:`span_mask_ids` (identity in ``eval()`` mode)."""

    def __init__(self, mask_id: int, *, mask_ratio: float = 0.15, span_length: int = 3,
                 pad_id: int | None = None, protected_ids: Sequence[int] = (),
                 collapse: bool = False, generator=None):
        super().__init__()
        self.mask_id = mask_id
        self.mask_ratio = check_probability(mask_ratio, "mask_ratio")
        self.span_length = check_int(span_length, "span_length", minimum=1)
        self.pad_id, self.protected_ids, self.collapse = pad_id, tuple(protected_ids), collapse
        if collapse and pad_id is None:
            raise ValueError("pad_id must be given when collapse=True")
        self.generator = make_generator(generator)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return ids
        return span_mask_ids(ids, self.mask_id, mask_ratio=self.mask_ratio,
                             span_length=self.span_length, pad_id=self.pad_id,
                             protected_ids=self.protected_ids, collapse=self.collapse,
                             generator=self.generator)

    def extra_repr(self) -> str:
        return (f"mask_id={self.mask_id}, mask_ratio={self.mask_ratio}, "
                f"span_length={self.span_length}, collapse={self.collapse}")
