"""Sealed checks of the section exercises (sections 1-8): which calls, which checks, which answers.

:data:`TABLE` lists, per section and test cell with hidden cases, a function that makes the
cell's **calls** (the student's function and fixed inputs, drawn from the course secret: the
same for every student, and not the student's graded inputs) and its **checks** (points, and the
values compared with the references the hidden test uses, at the hidden test's tolerance). The
student side (``helpers.selfcheck.sealed_calls``) makes the calls in the student's kernel and checks
the answers against seals; the expected values never leave this module except as seals.

:data:`UNSEALED` says why the other cells with hidden cases stay with the teacher.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from helpers.selfcheck.seal import seal_exact, seal_tensor
from helpers.selfcheck.sealed_calls import canonical, input_key, transformed

# ----------------------------------------------------------------------------- the table's words


def call(fn: str, *args, keep=(), grad=None, **kwargs) -> dict:
    """A call of the student's ``fn``; ``keep``: arguments sent back after the call (modified?);
    ``grad``: the argument whose gradient must be reached by ``out.backward()``."""
    return {"fn": fn, "args": list(args), "kwargs": kwargs, "keep": list(keep), "grad": grad}


@dataclass
class Comp:
    """One compared value: from ``calls`` (an index or a list), at ``path`` in the answer."""

    calls: int | list
    path: tuple
    expected: object
    kind: str = "close"  # close | array | exact
    atol: float = 0.0
    rtol: float = 0.0
    tf: list | None = None


def close(calls, path, expected, atol, rtol=0.0, tf=None) -> Comp:
    return Comp(calls, path, expected, "close", atol, rtol, tf)


def array(calls, path, expected, tf=None) -> Comp:
    return Comp(calls, path, expected, "array", tf=tf)


def exact(calls, path, expected) -> Comp:
    return Comp(calls, path, expected, "exact")


@dataclass
class Check:
    points: float
    comps: list
    needs: float = 0.0


@dataclass
class Cell:
    calls: list
    checks: list
    error_zero: bool = False
    notes: list = field(default_factory=list)


def _each(calls, path, value):
    """The same expected value on every call of ``calls``."""
    return exact(list(calls), path, [value] * len(calls))


def _tensor_out(calls):
    return _each(calls, ("meta", "tensor"), True)


# ----------------------------------------------------------------------------- 01 intuition

def s01_ex2(g, rng):
    from torchvision.transforms.v2 import functional as TF

    x = torch.rand(6, 3, 20, 28, generator=g)
    a = torch.empty(6).uniform_(-180, 180, generator=g)
    ref = torch.stack([TF.rotate(x[i], float(a[i]), interpolation=TF.InterpolationMode.BILINEAR)
                       for i in range(6)])
    return Cell([call("rotate_batch", x, a)],
                [Check(4.0, [close(0, ("out",), ref, 1e-4), exact(0, ("meta", "dtype"), "float32")])],
                error_zero=True)


# ----------------------------------------------------------------------------- 02 image

def s02_ex1(g, rng):
    from helpers.mix import mixup_kernel, one_hot

    K = int(torch.randint(4, 15, (1,), generator=g))
    y = torch.randint(0, K, (12,), generator=g)
    perm = torch.randperm(12, generator=g)
    lams = [float(torch.rand(1, generator=g)), torch.rand(12, generator=g)]
    calls = [call("mixup_targets", y, lam, perm, K) for lam in lams]
    checks = [Check(1.0, [_tensor_out([n]), close(n, ("out",), mixup_kernel(torch.zeros(12, 1), one_hot(y, K),
                                                                           lam, perm)[1], 1e-6)])
              for n, lam in enumerate(lams)]
    return Cell(calls, checks)


def _boxes(g, B, H, W):
    xs = torch.randint(0, W + 1, (B, 2), generator=g).sort(1).values
    ys = torch.randint(0, H + 1, (B, 2), generator=g).sort(1).values
    return torch.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], 1)


def s02_ex2(g, rng):
    from helpers.mix import cutmix_kernel

    B, H, W = 9, int(torch.randint(10, 20, (1,), generator=g)), int(torch.randint(10, 20, (1,), generator=g))
    x = torch.rand(B, 3, H, W, generator=g)
    y = torch.softmax(torch.randn(B, 6, generator=g), 1)
    boxes = _boxes(g, B, H, W)
    boxes[0] = torch.tensor([0, 0, W, H])
    boxes[1] = torch.tensor([5, 5, 5, 9])
    perm = torch.randperm(B, generator=g)
    ex, ey = cutmix_kernel(x, y, boxes, perm)
    pair = exact(0, ("meta", "len"), 2)
    return Cell([call("cutmix_batch", x, y, boxes, perm, keep=(0,))],
                [Check(2.0, [pair, array(0, ("out", 0), ex), array(0, ("args", 0), x)]),
                 Check(2.0, [pair, close(0, ("out", 1), ey, 1e-6)])])


_VIEW_NAMES = ["identity", "hflip", "vflip", "dim"]
_VIEW_FNS = [lambda x: x, lambda x: x.flip(-1), lambda x: x.flip(-2), lambda x: 0.5 * x + 0.25]


def s02_ex3(g, rng):
    from helpers.tta import tta_predict, tta_views

    x = torch.rand(4, 3, 21, 30, generator=g)
    scales = (0.3 + 0.7 * torch.rand(4, generator=g)).tolist() + [1.0]
    views_ref = tta_views(x, [f"scale:{s}" for s in scales])
    weight, bias = 0.05 * torch.randn(7, 3 * 8 * 8, generator=g), 0.1 * torch.randn(7, generator=g)
    model = {"__build__": "counting_linear", "weight": weight, "bias": bias, "scale": 3.0}

    def net(t):
        return 3.0 * (t.flatten(1) @ weight.T + bias)

    B, k = 12, int(torch.randint(2, 6, (1,), generator=g))
    xb = torch.rand(B, 3, 8, 8, generator=g)
    plain = tta_predict(net, xb, views=["identity"])
    chosen = torch.special.entr(plain).sum(1).topk(k).indices.sort().values
    want = plain.clone()
    want[chosen] = tta_predict(net, xb[chosen], views=_VIEW_FNS)
    pair = exact(1, ("meta", "len"), 2)
    return Cell([call("multiscale_views", x, scales),
                 call("uncertain_tta", model, xb, {"__build__": "views", "names": _VIEW_NAMES}, k)],
                [Check(2.0, [close(0, ("out",), views_ref, 1e-5)]),
                 Check(1.0, [pair, array(1, ("out", 1), chosen)]),
                 Check(1.0, [pair, close(1, ("out", 0), want, 1e-5),
                             exact(1, ("meta", "items", 0, "requires_grad"), False)]),
                 Check(1.0, [exact(1, ("sizes", 0), [B, len(_VIEW_NAMES) * k])], needs=3.0)])


# ----------------------------------------------------------------------------- 03 text

def s03_ex1(g, rng):
    cases = [(rng.choice((0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1.0, round(rng.uniform(0.01, 1.0), 2))),
              rng.randint(1, 80)) for _ in range(300)] + [(0.0, n) for n in (1, 7, 40)]
    want = [max(1, int(a * n)) if a > 0 else 0 for a, n in cases]
    idx = list(range(len(cases)))
    return Cell([call("eda_n", a, n) for a, n in cases],
                [Check(2.0, [exact(idx, ("out",), want), _each(idx, ("meta", "type"), "int")])],
                error_zero=True)


def s03_ex2(g, rng):
    from helpers.text import delete_words

    pool = "a an good bad plot never not film actor script dull great story slow brilliant".split()
    calls, kinds, wants = [], [], []
    for case in range(80):
        n = rng.randint(0, 25)
        ws = [rng.choice(pool) for _ in range(n)]
        p = rng.choice([0.0, 0.05, 0.1, 0.3, 0.5, 0.9, 1.0])
        u = [rng.random() for _ in range(n)]
        if case % 4 == 0:  # every draw deletes
            u = [ui * p for ui in u]
        fb = rng.randrange(n) if n else 0
        keep = [ui > p for ui in u]
        kinds.append("survivors" if any(keep) or not n else "fallback")
        if kinds[-1] == "fallback":
            keep[fb] = True
        wants.append(delete_words(ws, keep))
        calls.append(call("random_deletion", ws, p, u, fb, keep=(0,)))
    checks = []
    for points, kind in ((2.0, "survivors"), (1.0, "fallback")):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        checks.append(Check(points, [
            exact(idx, ("out",), [wants[i] for i in idx]), _each(idx, ("meta", "type"), "list"),
            exact(idx, ("meta", "item_types"), [["str"] if wants[i] else [] for i in idx]),
            exact(idx, ("args", 0), [calls[i]["args"][0] for i in idx])]))
    return Cell(calls, checks)


def s03_ex3(g, rng):
    from helpers.text.noise import compact

    calls, wants = [], []
    for B, L, pad, p in [(8, 12, 0, 0.1), (32, 40, 3, 0.5), (5, 7, 1, 0.0), (16, 20, 0, 1.0), (300, 50, 0, 0.25)]:
        lens = torch.randint(0, L + 1, (B,), generator=g)
        ids = torch.randint(pad + 1, pad + 500, (B, L), generator=g).masked_fill(torch.arange(L) >= lens[:, None], pad)
        u = torch.rand(B, L, generator=g)
        wants.append(compact(ids, (u >= p) & (ids != pad), pad))
        calls.append(call("drop_tokens", ids, u, p, pad))
    idx = list(range(len(calls)))
    kept = Check(1.0, [_tensor_out(idx), _each(idx, ("meta", "dtype"), "int64"),
                       array(idx, ("out",), wants, tf=["sort_rows"])])
    return Cell(calls, [kept, Check(2.0, [array(idx, ("out",), wants)], needs=1.0)], error_zero=True)


# ----------------------------------------------------------------------------- 04 tabular

def s04_ex1(g, rng):
    import helpers.tabular as tab

    X = torch.randn(40, 5, generator=g, dtype=torch.float64)
    k = 6
    rows, cols = torch.randint(0, 40, (300,), generator=g), torch.randint(0, k, (300,), generator=g)
    u = torch.rand(300, generator=g, dtype=torch.float64)
    X32 = torch.rand(25, 2, generator=g)
    r32, c32, u32 = torch.randint(0, 25, (50,), generator=g), torch.randint(0, 3, (50,), generator=g), torch.rand(50, generator=g)
    ref = tab.smote_interpolate(X, X, tab.kneighbors(X, X, k + 1)[:, 1:], rows, cols, u)
    ref32 = tab.smote_interpolate(X32, X32, tab.kneighbors(X32, X32, 4)[:, 1:], r32, c32, u32)
    return Cell([call("smote_from_choices", X, k, rows, cols, u), call("smote_from_choices", X32, 3, r32, c32, u32)],
                [Check(3.0, [close(0, ("out",), ref, 1e-5), close(1, ("out",), ref32, 1e-5),
                             exact(1, ("meta", "dtype"), "float32")])],
                error_zero=True,
                notes=["rows off their segment by more than 1e-6 but within 1e-5 of the reference pass here"])


def s04_ex2(g, rng):
    from helpers.tabular import add_feature_noise

    scale = torch.tensor([0.01, 1.0, 50.0, 1000.0, 3.0, 1.0], dtype=torch.float64)
    X = torch.randn(200, 6, generator=g, dtype=torch.float64) * scale
    mask = torch.rand(6, generator=g) < 0.7
    mask[4] = False
    s = float(torch.empty(1, dtype=torch.float64).uniform_(0.05, 0.5, generator=g))
    z = torch.randn(200, 6, generator=g, dtype=torch.float64)
    ref = add_feature_noise(X, z, s, X.std(0, unbiased=False), mask)
    X32, m32, z32 = torch.rand(50, 4, generator=g) * 10, torch.tensor([False, True, True, False]), torch.randn(50, 4, generator=g)
    ref32 = add_feature_noise(X32, z32, 0.05, X32.std(0, unbiased=False), m32)
    return Cell([call("per_column_noise", X, s, mask, z), call("per_column_noise", X32, 0.05, m32, z32)],
                [Check(1.5, [exact(0, ("meta", "dtype"), "float64"),
                             close(0, ("out",), ref, 1e-6, tf=["div", scale.tolist()]),
                             array(0, ("out",), X, tf=["cols", (~mask).tolist()])]),
                 Check(0.5, [exact(1, ("meta", "dtype"), "float32"), close(1, ("out",), ref32, 1e-5)])])


def s04_ex3(g, rng):
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    import helpers.tabular as tab

    calls, checks = [], []
    base = int(torch.randint(0, 1000, (1,), generator=g))
    for n, (rows, seed) in enumerate([(3000, base), (2500, base + 1)]):
        d = tab.make_leaky_fraud_data(n_samples=rows, fraud_rate=0.05, seed=seed)
        ref = float(np.mean(cross_val_score(tab.leak_free_pipeline(list(d.categorical), seed=seed), d.X, d.y,
                                            cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=seed),
                                            scoring="roc_auc")))
        calls.append(call("fold_scoped_auc", {"__build__": "numpy", "value": torch.from_numpy(d.X)},
                          {"__build__": "numpy", "value": torch.from_numpy(d.y)}, list(d.categorical), seed))
        checks.append(Check(1.5, [close(n, ("out",), ref, 0.02)]))
    for check in checks:  # a result that is not a float stops the hidden test: both tables earn nothing
        check.comps += [_each([0, 1], ("meta", "type"), "float")]
    return Cell(calls, checks, error_zero=True)


# ----------------------------------------------------------------------------- 05 audio

def s05_ex1(g, rng):
    s = torch.empty(3, 4, dtype=torch.float64).uniform_(-7, 7, generator=g)
    d = torch.empty(3, 4, dtype=torch.float64).uniform_(0.2, 3.0, generator=g)
    k = float(torch.randint(-9, 10, (1,), generator=g))
    return Cell([call("semitone_ratio", s), call("semitone_ratio", k),
                 call("naive_shift_duration", d, s), call("naive_shift_duration", 2.5, k)],
                [Check(1.0, [close(0, ("out",), torch.exp2(s / 12), 1e-9, 1e-9),
                             close(1, ("out",), 2.0 ** (k / 12), 1e-9)]),
                 Check(1.0, [close(2, ("out",), d * torch.exp2(-s / 12), 1e-9, 1e-9),
                             close(3, ("out",), 2.5 / 2 ** (k / 12), 1e-9)])])


def s05_ex3(g, rng):
    import torchaudio.functional as AF

    from helpers.audio import mask_spectrogram

    spec = torch.randn(6, 40, 90, generator=g)
    none = torch.zeros(6, 0, dtype=torch.long)
    calls, checks = [], []
    for n, (axis, size, param, value) in enumerate(((2, 40, 12, -1.5), (3, 90, 30, 0.0))):
        seed = int(torch.randint(0, 10**6, (1,), generator=g))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            ref = AF.mask_along_axis_iid(spec[:, None], param, value, axis=axis)[:, 0]
            torch.manual_seed(seed)
            v = torch.rand(6, 1) * param
            v0 = torch.rand(6, 1) * (size - v)
        bands = (v0.long(), v.long(), none, none) if axis == 2 else (none, none, v0.long(), v.long())
        calls.append(call("mask_bands", spec, *bands, value=value))
        checks.append(Check(1.0, [array(n, ("out",), ref)]))
    fs, fw = torch.randint(0, 40, (6, 3), generator=g), torch.randint(0, 15, (6, 3), generator=g)
    ts, tw = torch.randint(0, 90, (6, 2), generator=g), torch.randint(0, 40, (6, 2), generator=g)
    fw[0] = 0
    ts[1, 0], tw[1, 0] = 85, 30
    calls.append(call("mask_bands", spec, fs, fw, ts, tw, value=2.0, keep=(0,)))
    checks.append(Check(2.0, [array(2, ("out",), mask_spectrogram(spec, fs, fw, ts, tw, mask_value=2.0)),
                              array(2, ("args", 0), spec)]))
    return Cell(calls, checks)


# ----------------------------------------------------------------------------- 06 ssl

def s06_ex61(g, rng):
    calls, checks = [], []
    for i, n in enumerate((1, 5, 8)):
        idx = torch.arange(2 * n)
        want = torch.zeros(2 * n, 2 * n, dtype=torch.bool)
        want[idx, (idx + n) % (2 * n)] = True
        calls.append(call("positive_mask", n))
        checks.append(Check(2.0 / 3, [exact(i, ("meta", "type"), "Tensor"), exact(i, ("meta", "dtype"), "bool"),
                                      array(i, ("out",), want)]))
    return Cell(calls, checks, error_zero=True)


def _nt_xent_reference(a, b, t):
    u = torch.nn.functional.normalize(torch.cat([a, b]), dim=1).double()
    n2 = u.shape[0]
    s = ((u @ u.T) / t).masked_fill(torch.eye(n2, dtype=torch.bool), float("-inf"))
    p = (torch.arange(n2) + n2 // 2) % n2
    return -torch.log_softmax(s, dim=1)[torch.arange(n2), p].mean()


def s06_ex62(g, rng):
    calls, checks = [], []
    for i, (n, d, t) in enumerate(((7, 5, 0.5), (16, 32, 0.1), (3, 8, 2.0))):
        a, b = torch.randn(n, d, generator=g), 3 * torch.randn(n, d, generator=g)
        calls.append(call("nt_xent", a, b, t))
        checks.append(Check(1.0, [close(i, ("out",), _nt_xent_reference(a, b, t), 1e-5, 1e-5)]))
    calls.append(call("nt_xent", torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g), 0.5, grad=0))
    checks.append(Check(1.0, [exact(3, ("grad_ok",), True)]))
    return Cell(calls, checks)


# ----------------------------------------------------------------------------- 07 reference

def s07_ex71(g, rng):
    K = int(torch.randint(4, 20, (1,), generator=g))
    eps = float(torch.empty(1).uniform_(0.02, 0.4, generator=g))
    y = torch.randint(0, K, (40,), generator=g)
    calls = [call("smooth_targets", y, K, eps)]
    checks = [Check(1.0, [_tensor_out([0]), exact(0, ("meta", "dtype"), "float32"),
                          close(0, ("out",), torch.nn.functional.one_hot(y, K).float() * (1 - eps) + eps / K, 1e-6)])]
    for scale, points in ((1.0, 2.0), (300.0, 1.0)):
        z = scale * torch.randn(40, K, generator=g)
        calls.append(call("smoothed_ce", z, y, eps))
        n = len(calls) - 1
        checks.append(Check(points, [_tensor_out([n]), exact(n, ("meta", "ndim"), 0),
                                     close(n, ("out",), torch.nn.CrossEntropyLoss(label_smoothing=eps)(z, y),
                                           1e-5 * scale, 1e-5)]))
    return Cell(calls, checks)


def s07_ex72(g, rng):
    cases = [(int(torch.randint(2, 100, (1,), generator=g)), float(torch.empty(1).uniform_(0.01, 0.9, generator=g)))
             for _ in range(6)]
    p = [1 - e + e / K for K, e in cases]
    gap = [math.log(pk * K / e) for pk, (K, e) in zip(p, cases, strict=True)]
    idx = list(range(6))
    return Cell([call("smoothing_optimum", K, e) for K, e in cases],
                [Check(1.5, [close(idx, ("out", 0), torch.tensor(p, dtype=torch.float64), 1e-6)]),
                 Check(1.5, [close(idx, ("out", 1), torch.tensor(gap, dtype=torch.float64), 1e-5)])],
                error_zero=True)


# ----------------------------------------------------------------------------- 08 applications

def s08_ex2(g, rng):
    def fits(lat, budget):
        n = 0
        for t in lat:
            if t > budget:
                break
            n += 1
        return n

    fixed = [([1.0, 2.2, 1.5, 1.9], 2.0), ([0.5, 0.9, 1.3], 20.0), ([3.0, 3.0, 4.0], 3.0), ((0.4, 0.6, 1.2), 0.7)]
    r = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=g)))
    table = [(list(map(float, np.cumsum(r.uniform(-0.2, 1.0, r.integers(1, 12))) + 1.0)), float(r.uniform(0.5, 8.0)))
             for _ in range(200)]
    cases = fixed + table
    first, rest = list(range(len(fixed))), list(range(len(fixed), len(cases)))
    want = [fits(lat, b) for lat, b in cases]
    return Cell([call("views_within_budget", lat, b) for lat, b in cases],
                [Check(1.0, [exact(first, ("out",), want[:len(fixed)]), _each(first, ("meta", "type"), "int")]),
                 Check(1.0, [exact(rest, ("out",), want[len(fixed):]), _each(rest, ("meta", "type"), "int")],
                       needs=1.0)],
                error_zero=True)


def _coin_maps(n, h, w, g):
    """(n, h, w) maps of 0..5 discs of radius 1.5..4 (later discs cover earlier ones)."""
    rows, cols = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
    maps = torch.zeros(n, h, w, dtype=torch.int64)
    counts = torch.randint(0, 6, (n,), generator=g)
    for c in range(1, 6):
        cy, cx = torch.rand(n, 1, 1, generator=g) * h, torch.rand(n, 1, 1, generator=g) * w
        r = 1.5 + 2.5 * torch.rand(n, 1, 1, generator=g)
        disc = ((rows - cy) ** 2 + (cols - cx) ** 2 <= r ** 2) & (c <= counts)[:, None, None]
        maps = torch.where(disc, c, maps)
    return maps


def _coin_reference(ia, ib, bx):
    """Coins showing after CutMix, and those cut by the box, image by image (plain loops)."""
    count, cut = [], []
    for i in range(ia.shape[0]):
        inside = torch.zeros(ia.shape[1:], dtype=torch.bool)
        x1, y1, x2, y2 = (int(v) for v in bx[i])
        inside[y1:y2, x1:x2] = True
        n = k = 0
        for m, shown in ((ia[i], ~inside), (ib[i], inside)):
            for c in torch.unique(m).tolist():
                if c:
                    vis, hid = bool((m[shown] == c).any()), bool((m[~shown] == c).any())
                    n, k = n + vis, k + (vis and hid)
        count.append(n)
        cut.append(k)
    return torch.tensor(count), torch.tensor(cut)


def s08_ex3(g, rng):
    from helpers.mix import cutmix_kernel

    B, H, W = 24, int(torch.randint(14, 24, (1,), generator=g)), int(torch.randint(14, 24, (1,), generator=g))
    ia, ib = _coin_maps(B, H, W, g), _coin_maps(B, H, W, g)
    bx = _boxes(g, B, H, W)
    bx[0] = torch.tensor([0, 0, W, H])
    bx[1] = torch.tensor([2, 2, 2, 7])
    count, cut = _coin_reference(ia, ib, bx)
    ca, cb = torch.randint(0, 6, (B,), generator=g), torch.randint(0, 6, (B,), generator=g)
    ya, yb = torch.nn.functional.one_hot(ca, 6).float(), torch.nn.functional.one_hot(cb, 6).float()
    mixed = cutmix_kernel(torch.zeros(2 * B, 1, H, W), torch.cat([ya, yb]), torch.cat([bx, bx]),
                          torch.cat([torch.arange(B, 2 * B), torch.arange(B)]))[1][:B]
    pair = exact(0, ("meta", "len"), 2)
    return Cell([call("cutmix_count", ia, ib, bx), call("area_rule_count", ca, cb, bx, H, W)],
                [Check(2.0, [pair, array(0, ("out", 0), count)]), Check(1.0, [pair, array(0, ("out", 1), cut)]),
                 Check(1.0, [close(1, ("out",), (mixed * torch.arange(6)).sum(1), 1e-5)])])


TABLE = {
    "01_intuition": {"ex2_tests": s01_ex2},
    "02_image": {"ex1_tests": s02_ex1, "ex2_tests": s02_ex2, "ex3_tests": s02_ex3},
    "03_text": {"ex1_tests": s03_ex1, "ex2_tests": s03_ex2, "ex3_tests": s03_ex3},
    "04_tabular": {"ex1_tests": s04_ex1, "ex2_tests": s04_ex2, "ex3_tests": s04_ex3},
    "05_audio": {"ex1_tests": s05_ex1, "ex3_tests": s05_ex3},
    "06_ssl": {"ex61_tests": s06_ex61, "ex62_tests": s06_ex62},
    "07_reference": {"ex71_tests": s07_ex71, "ex72_tests": s07_ex72},
    "08_applications": {"ex2_tests": s08_ex2, "ex3_tests": s08_ex3},
}


def _small_table(n_answers: int) -> str:
    return (f"a table of true/false answers with {n_answers} possible answers: a hash of it could be "
            "found by trying them all, so only your teacher checks it")


# True/false tables follow one rule (``helpers.selfcheck.seal.MIN_GROUP_ANSWERS``): a table with
# fewer possible answers than that is not sealed, alone or as a group.
UNSEALED = {
    "01_intuition": {"ex1_tests": _small_table(2 ** 6)},
    "03_text": {"ex4_tests": _small_table(2 ** 6)},
    "05_audio": {"ex2_tests": "judged on signal + a·noise and on the SNR it reaches, not on a alone: "
                              "checked by your teacher"},
    "08_applications": {"ex1_tests": "the mask may differ from the reference in a few pixels (a count, not a "
                                     "rounded value): checked by your teacher"},
}


# ----------------------------------------------------------------------------- sealing

def _generators(secret: str, section: str, gid: str) -> tuple[torch.Generator, random.Random]:
    seed = int.from_bytes(hashlib.sha256(f"augcourse-sections|{secret}|{section}|{gid}".encode()).digest()[:6], "big")
    return torch.Generator().manual_seed(seed), random.Random(seed)


def _float64(value) -> np.ndarray:
    """``value`` in float64 (a Python float must not pass through torch's default float32)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _seal(comp: Comp, salt: str, where: str) -> dict:
    """The JSON form of a component: what to compare and the seal of the expected value, which
    goes through the same transform as the student's answer (``helpers.selfcheck.sealed_calls``)."""
    row = {"calls": comp.calls, "path": list(comp.path), "kind": comp.kind}
    many = not isinstance(comp.calls, int)
    expected = comp.expected
    if comp.tf is not None:
        row["tf"] = comp.tf
        expected = [transformed(v, comp.tf) for v in expected] if many else transformed(expected, comp.tf)
    if comp.kind == "close":
        expected = np.stack([_float64(v) for v in expected]) if isinstance(expected, list) else _float64(expected)
        row["seal"] = seal_tensor(expected, atol=comp.atol, rtol=comp.rtol, salt=salt, where=where)
    else:
        text = canonical(expected, comp.kind, many=many)
        row["seal"] = seal_exact(text, salt=salt, where=where)
    return row


def seal_cell(section: str, gid: str, points: float, secret: str, salt: str) -> tuple[dict, dict]:
    """``(the cell's entry in course.json, its calls for sealed_inputs.pt)``."""
    g, rng = _generators(secret, section, gid)
    cell = TABLE[section][gid](g, rng)
    total = sum(c.points for c in cell.checks)
    if abs(total - points) > 1e-9:
        raise ValueError(f"TABLE[{section!r}][{gid!r}]: the checks give {total} points, the cell {points}")
    key = input_key(section, gid)
    checks = [{"points": c.points, "needs": c.needs,
               "comps": [_seal(comp, salt, f"{key}|{n}|{k}") for k, comp in enumerate(c.comps)]}
              for n, c in enumerate(cell.checks)]
    entry = {"n_calls": len(cell.calls), "error_zero": cell.error_zero, "checks": checks}
    return entry, {"calls": cell.calls}


def seal_sections(sections: dict, secret: str, salt: str) -> dict:
    """Add ``sealed_calls`` and ``unsealed`` to each of ``sections`` (course.json's, in place);
    return the calls' inputs per key."""
    inputs = {}
    for section, cells in TABLE.items():
        points = {r["grade_id"]: r["points"] for r in sections[section]["cells"]}
        sealed = {}
        for gid in cells:
            sealed[gid], inputs[input_key(section, gid)] = seal_cell(section, gid, points[gid], secret, salt)
        sections[section]["sealed_calls"] = sealed
    for section, reasons in UNSEALED.items():
        sections[section]["unsealed"] = dict(reasons)
    return inputs


__all__ = ["TABLE", "UNSEALED", "seal_cell", "seal_sections"]
