"""The graded parts of drills D1-D5 (teacher side): hidden inputs, answer keys, reference
answers and checks.

Every part says what the student defines (a function or a variable), how many points it is
worth, how its hidden inputs are made (``make_inputs``: plain data, generated in the grading
process from the student's variant and a secret), the code that collects the student's answer
(``probe``: the text of a module of ``helpers.drills.probes``, run in the student's kernel; it
returns plain data only) and ``score``, which
compares that answer with reference outputs computed here, with ``helpers`` or torchvision,
in a process that never ran student code. ``score`` returns the points earned and messages in
words; the messages never contain expected values or test code.

Tolerances: tensors are compared entrywise with ``atol + rtol·|expected|`` as stated per part.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from helpers.drills.options import D2_OPTIONS, D5_OPTIONS
from helpers.drills.probes import prelude_source, probe_source
from helpers.drills.variant import variant as _variant
from helpers.grading import check_close

# The answer keys: the position of the right option in helpers.drills.options' D2_OPTIONS / D5_OPTIONS.
D2_KEY = tuple(sorted(D2_OPTIONS.index(o) for o in D2_OPTIONS
                      if o.startswith(("The validation transform is random", "Scored on randomly augmented"))))
D5_KEY = tuple(sorted(D5_OPTIONS.index(o) for o in D5_OPTIONS
                      if o.startswith(("The target encoder was fitted", "Here the cross-validated AUC"))))
# D3.1: whether each pair of the pool (helpers.drills.options.D3_PAIR_SLOTS) keeps its label;
# a student answers the eight pairs of variant()['d3_pairs'].
PRESERVES_PAIRS = {
    ("handwritten digits", "vertical flip"): False,  # 6 <-> 9, a flipped 2 or 7 is no digit
    ("handwritten digits", "shift by up to a tenth of the image"): True,
    ("handwritten digits", "rotation by up to 10 degrees"): True,
    ("handwritten digits", "rotation by 180 degrees"): False,  # 6 <-> 9
    ("road signs: turn left / turn right", "horizontal flip"): False,  # left <-> right
    ("road signs: turn left / turn right", "small change of brightness"): True,
    ("satellite land-cover tiles", "rotation by any angle"): True,  # seen from above: no "up"
    ("satellite land-cover tiles", "vertical flip"): True,
    ("'b' vs 'd' characters", "horizontal flip"): False,  # b <-> d
    ("'b' vs 'd' characters", "rotation by up to 10 degrees"): True,
    ("cat vs dog photos", "horizontal flip"): True,
    ("counting the people in a photo", "pasting in a patch of another photo (CutMix), count kept"): False,
    ("bird-call spectrograms", "small time shift"): True,
    ("spoken-word recognition", "playing the recording backwards"): False,
    ("reading the time on photos of analogue clocks", "horizontal flip"): False,  # 3:00 <-> 9:00
    ("traffic-light colour: red / green", "hue shift by a third of the colour wheel"): False,  # red -> green
}


@dataclass(frozen=True)
class Part:
    """One graded part: the test cell ``grade_id`` it scores and what it needs."""

    grade_id: str
    drill: str
    title: str
    points: float
    defines: tuple[str, ...]
    make_inputs: Callable[[dict, np.random.Generator], dict]
    probe: str
    score: Callable[[dict, dict, object], tuple[float, list[str]]]
    timeout: float = 20.0
    tags: tuple[str, ...] = field(default=())


# ----------------------------------------------------------------------------- shared probe code

# Runs in the student's kernel before a part's probe (helpers/drills/probes/prelude.py).
PROBE_PRELUDE = prelude_source()


def _clone(x):
    return x.clone() if isinstance(x, torch.Tensor) else x


def _describe_error(ans) -> str | None:
    if isinstance(ans, dict) and set(ans) == {"error"}:
        return str(ans["error"])
    return None


def _tensor_case(ans, expected, *, atol, rtol, name) -> str | None:
    """None when ``ans`` matches, else a message in words."""
    err = _describe_error(ans)
    if err is not None:
        return f"{name} raised {err}"
    if not isinstance(ans, torch.Tensor):
        return f"{name} must return a tensor, got {type(ans).__name__}"
    try:
        check_close(ans, expected, atol=atol, rtol=rtol, name=name)
    except AssertionError as e:
        # the size of the error would tell a student who answered zeros the expected values
        return re.sub(r"largest absolute error [^;]*; ", "", str(e))
    return None


def _fraction_score(points, messages, n_cases, label):
    bad = len(messages)
    earned = points * (n_cases - bad) / n_cases
    head = f"{label}: {n_cases - bad} of {n_cases} hidden cases correct"
    return round(earned, 6), [head] + messages[:3]


def _value_probe(*names):
    return probe_source("values", names)


def choice_letter(order, key) -> str:
    """The letters (a-e, in alphabetical order) under which the right options ``key`` (indices
    into the options) appear in ``order``."""
    return "".join(sorted("abcde"[list(order).index(k)] for k in key))


# ----------------------------------------------------------------------------- D1


def smoothed_target(lam, i, j, K, eps) -> torch.Tensor:
    """The reference of D1: ``(1 - eps) * (lam onehot(i) + (1 - lam) onehot(j)) + eps / K``."""
    from helpers.mix import soft_target

    return (1.0 - eps) * soft_target(lam, i, j, K) + eps / K


def _d1_soft_inputs(v, rng):
    cases = []
    for _ in range(5):
        K = int(rng.integers(3, 15))
        i, j = (int(a) for a in rng.choice(K, 2, replace=False))
        cases.append([round(float(rng.uniform(0.05, 0.95)), 4), i, j, K, round(float(rng.uniform(0.02, 0.3)), 3)])
    K = int(rng.integers(3, 15))
    same = int(rng.integers(0, K))
    cases += [[0.3, same, same, K, 0.1], [1.0, 0, K - 1, K, 0.0], [0.6, 1, 0, K, 0.2]]
    return {"cases": cases}


def _d1_soft_score(v, inputs, ans):
    msgs = []
    for n, (c, a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        m = _tensor_case(a, smoothed_target(*c), atol=1e-6, rtol=0, name=f"case {n + 1}")
        if m:
            msgs.append(m)
    return _fraction_score(2.0, msgs, len(inputs["cases"]), "make_soft_target")


def _d1_mine_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"MY_TARGET could not be read: {err}"]
    m = _tensor_case(ans.get("MY_TARGET"), smoothed_target(v["lam"], v["i"], v["j"], v["K"], v["eps"]),
                     atol=1e-6, rtol=0, name="MY_TARGET")
    if m:
        return 0.0, [m + " (it must be the smoothed target for YOUR λ, i, j, K and ε, printed at the top)"]
    return 1.0, ["MY_TARGET is the smoothed soft target of your numbers"]


# ----------------------------------------------------------------------------- D2


def _d2_val_inputs(v, rng):
    cases = []
    for B, H, W in ((2, 50, 64), (1, 72, 56), (3, 48, 48)):
        cases.append(torch.from_numpy(rng.random((B, 3, H, W)).astype(np.float32)))
    return {"cases": cases}



def reference_val_transform(x, v):
    """Resize the shorter side to ``v['resize']`` (bilinear, antialiased), centre-crop
    ``v['crop']``, normalise with ``v['mean']``/``v['std']`` (torchvision v2 functional)."""
    from torchvision.transforms.v2 import functional as TF

    out = TF.resize(x, [v["resize"]], antialias=True)
    out = TF.center_crop(out, [v["crop"]])
    return TF.normalize(out, list(v["mean"]), list(v["std"]))


def _d2_val_score(v, inputs, ans):
    msgs = []
    for n, (x, a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        m = _tensor_case(a, reference_val_transform(x, v), atol=1e-4, rtol=1e-4,
                         name=f"case {n + 1} ({x.shape[-2]}x{x.shape[-1]} images)")
        if m:
            msgs.append(m)
    score, lines = _fraction_score(2.0, msgs, len(inputs["cases"]), "val_transform")
    if msgs:
        lines.append("use YOUR resize, crop, mean and std (printed at the top)")
    return score, lines


def _d2_runs_inputs(v, rng):
    C, H, W, K, N = 1, 6, 6, 3, 60
    return {
        "weight": torch.from_numpy(rng.standard_normal((K, C * H * W)).astype(np.float32)),
        "bias": torch.from_numpy(rng.standard_normal(K).astype(np.float32)),
        "X": torch.from_numpy(rng.random((N, C, H, W)).astype(np.float32)),
        "y": torch.from_numpy(rng.integers(0, K, N).astype(np.int64)),
        "runs": int(rng.integers(5, 8)),
    }



def _d2_runs_score(v, inputs, ans):
    W, b, X, y = inputs["weight"], inputs["bias"], inputs["X"], inputs["y"]
    views = [X, X.flip(-1), X.flip(-2), X.flip(-2, -1)]
    expected = [float(((views[r % 4].flatten(1) @ W.T + b).argmax(1) == y).float().mean())
                for r in range(inputs["runs"])]
    err = _describe_error(ans)
    if err:
        return 0.0, [f"accuracy_runs raised {err}"]
    if isinstance(ans, torch.Tensor):
        ans = ans.tolist()
    if not isinstance(ans, list) or len(ans) != len(expected):
        return 0.0, ["accuracy_runs must return one accuracy per run (a list of floats)"]
    try:
        got = np.asarray(ans, dtype=np.float64)
    except (TypeError, ValueError):
        return 0.0, ["accuracy_runs must return numbers"]
    if not np.allclose(got, expected, atol=1e-6, rtol=0):
        return 0.0, ["accuracy_runs: the accuracies do not match; call transform(X) once per run "
                     "on the whole set, then compare model(...).argmax(1) with y (a fraction in [0, 1])"]
    return 1.0, ["accuracy_runs measures one accuracy per run of the transform"]


def _choice_score(name, key, order_key):
    """Every right option, all or nothing: one guess in 31, and the check does not say which
    letter is wrong."""
    def score(v, inputs, ans):
        err = _describe_error(ans)
        if err:
            return 0.0, [f"{name} could not be read: {err}"]
        got = ans.get(name)
        letters = got.replace(",", "").replace(" ", "").lower() if isinstance(got, str) else None
        if not letters or set(letters) - set("abcde") or len(set(letters)) != len(letters):
            return 0.0, [f"{name} must be a string of distinct letters among 'a' to 'e', such as 'bd'"]
        if "".join(sorted(letters)) == choice_letter(v[order_key], key):
            return 1.0, [f"{name}: correct"]
        return 0.0, [f"{name}: not the right set of options (all or nothing; the options are in YOUR "
                     "order, printed above)"]
    return score


# ----------------------------------------------------------------------------- D3


def d3_expected(v) -> dict[str, bool]:
    """D3.1's key for ``v``: ``{"task|transform": keeps the label}`` of the student's eight pairs."""
    return {"|".join(pair): PRESERVES_PAIRS[tuple(pair)] for pair in v["d3_pairs"]}


def _d3_pres_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"PRESERVES could not be read: {err}"]
    got = ans.get("PRESERVES")
    if not isinstance(got, dict):
        return 0.0, ["PRESERVES must be a dict"]
    expected = d3_expected(v)
    if set(got) != set(expected):
        return 0.0, ["PRESERVES must answer exactly YOUR eight (task, transform) pairs, printed above"]
    # All or nothing: a count of right pairs would let the self-check find the key by trial.
    if any(got[k] is not val for k, val in expected.items()):
        return 0.0, ["PRESERVES: at least one pair is wrong (all eight must be right; the check "
                     "does not say which)"]
    return 2.0, ["PRESERVES: all eight pairs right"]


# D3.2, D4.4 and D5.2 re-run the notebook's seeded experiment here. Measured run-to-run spread
# (same machine, torch on one thread, `helpers.drills.experiments.one_thread`): 0 for every
# accuracy (the runs are bit-identical); across thread counts 1 vs 2 the CNN's accuracies moved
# by at most 0.004 (2 of 500 images). The tolerances are a few times that, far below any
# difference the conclusions rest on.
ACC_TOL = 0.01
GAP_TOL = 0.002


def _floats_close(got: dict, ref: dict, tol: float) -> list[str]:
    """Keys of ``ref`` whose value in ``got`` is missing, not a float or off by more than tol."""
    bad = []
    for key, want in ref.items():
        a = got.get(str(key)) if isinstance(got, dict) else None
        if not (isinstance(a, float) and math.isfinite(a) and abs(a - want) <= tol):
            bad.append(str(key))
    return bad


def _d3_exp_score(v, inputs, ans):
    from helpers.drills.experiments import capacity_experiment

    err = _describe_error(ans)
    if err:
        return 0.0, [f"the experiment's results could not be read: {err}"]
    ref = capacity_experiment(v["data_seed"])
    bad = _floats_close(ans.get("ACC"), ref, ACC_TOL)
    loss = {m: ref[f"{m}/plain"] - ref[f"{m}/augmented"] for m in ("linear", "cnn")}
    pays = max(loss, key=loss.get)
    lines = []
    if bad:
        lines.append(f"ACC: {len(bad)} of 4 accuracies differ from a re-run of your experiment "
                     f"(tolerance {ACC_TOL}); store the measured numbers, not rounded or typed ones")
    if ans.get("PAYS_MORE") != pays:
        lines.append("PAYS_MORE must name the model whose validation accuracy the augmentation "
                     "lowers more ('linear' or 'cnn'), as measured")
    # One group: the numbers and the conclusion drawn from them score together.
    if lines:
        return 0.0, lines
    return 2.0, ["ACC matches a re-run of your experiment and PAYS_MORE names the right model"]


# ----------------------------------------------------------------------------- D4


def _prefix_views(latency, budget) -> int:
    k = 0
    for t in latency:
        if t > budget:
            break
        k += 1
    return k


def _d4_views_inputs(v, rng):
    cases = [[[1.0, 1.5, 2.0, 2.5], 2.0], [[3.0, 4.0], 2.0], [[1.0, 2.5, 1.8, 2.0], 2.0],
             [[0.1 + 0.2, 0.5], 0.3], [[2.0, 2.0], 2.0]]
    for _ in range(4):
        n = int(rng.integers(1, 10))
        lat = [round(float(t), 3) for t in np.cumsum(rng.uniform(-0.3, 1.5, n)) + 1.0]
        cases.append([lat, round(float(rng.uniform(0.5, 8.0)), 3)])
    return {"cases": cases}


def _d4_views_score(v, inputs, ans):
    msgs = []
    for n, ((lat, b), a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        err = _describe_error(a)
        if err:
            msgs.append(f"case {n + 1} raised {err}")
        elif type(a) is not int:
            msgs.append(f"case {n + 1}: return an int, got {type(a).__name__}")
        elif a != _prefix_views(lat, b):
            hint = {2: " (stop at the first number of views that does not fit)",
                    4: " (a latency equal to the budget fits)"}.get(n, "")
            msgs.append(f"case {n + 1}: wrong number of views{hint}")
    return _fraction_score(1.0, msgs, len(inputs["cases"]), "views_within_budget")


def _d4_mine_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"MY_VIEWS could not be read: {err}"]
    mine = ans.get("MY_VIEWS")
    if type(mine) is int and mine == _prefix_views(v["latency_ms"], v["budget_ms"]):
        return 1.0, ["MY_VIEWS fits your budget"]
    return 0.0, ["MY_VIEWS must be the number of views that fit YOUR budget with YOUR latency "
                 "table (both printed at the top)"]


def _d4_curve_score(v, inputs, ans):
    from helpers.drills.experiments import tta_curve

    err = _describe_error(ans)
    if err:
        return 0.0, [f"CURVE could not be read: {err}"]
    curve = ans.get("CURVE")
    if not isinstance(curve, dict) or sorted(curve) != [str(k) for k in range(1, 9)]:
        return 0.0, ["CURVE must be a dict {number of views: accuracy} for 1, 2, ..., 8 views"]
    bad = _floats_close(curve, tta_curve(v["data_seed"]), ACC_TOL)
    if bad:
        return 0.0, [f"CURVE: {len(bad)} of 8 accuracies differ from a re-run of the measurement "
                     f"(tolerance {ACC_TOL})"]
    return 1.0, ["CURVE matches a re-run of the measurement"]


# ----------------------------------------------------------------------------- D5

D5_ROWS = 2000
D5_RATE = 0.15


def reference_gaps(v) -> dict[str, float]:
    """The notebook's D5 measurement for variant ``v``: {"GAP_LEAKY", "GAP_FIXED"}."""
    from helpers.tabular import leak_free_cv, leaky_cv, make_leaky_fraud_data

    fraud = make_leaky_fraud_data(D5_ROWS, fraud_rate=D5_RATE, seed=v["data_seed"])
    return {"GAP_LEAKY": leaky_cv(fraud.X, fraud.y, fraud.categorical, n_splits=4, seed=0).gap,
            "GAP_FIXED": leak_free_cv(fraud.X, fraud.y, fraud.categorical, n_splits=4, seed=0).gap}


def _d5_gap_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"the measured gaps could not be read: {err}"]
    bad = _floats_close(ans, reference_gaps(v), GAP_TOL)
    if not bad:
        return 2.0, ["GAP_LEAKY and GAP_FIXED match a re-run of the measurement"]
    points = 1.0 if len(bad) == 1 else 0.0
    return points, [f"{', '.join(bad)}: not the measured gap (CV AUC minus held-out AUC, tolerance "
                    f"{GAP_TOL}); store the numbers the cell above prints, unrounded"]


# ----------------------------------------------------------------------------- D6

# Menu transforms that turn one class of a glyph set into another (see helpers.drills.variant).
LABEL_CHANGING = {
    "bdpq": {"hflip", "vflip", "rot180"},  # b<->d, b<->p, b<->q
    "MWU\u2229": {"vflip", "rot180"},  # M<->W, U<->cap; M, W, U and cap are mirror-symmetric
    "<>()": {"hflip", "rot180"},  # < <-> >, ( <-> ); each is symmetric top-bottom
}
D6_TRAIN_PER_CLASS = 6
D6_HIDDEN_PER_CLASS = 100
# Hidden-data accuracy gain the pipeline must reach over no augmentation (same weights, same
# budget). Measured over 27 (training set, hidden set) draws of the three glyph sets:
# shift+rotate+scale gained 0.055-0.34; the same plus one label-changing flip (24 draws)
# -0.025 to -0.34; no augmentation gains exactly 0. A safe but useless flip (hflip on MWU cap)
# made one draw of 24 lose 0.08: the notebook tells students to keep only variation the data has.
D6_MARGIN = 0.03
# The course's own pipeline (the solution's). On some students' draws no label-safe pipeline
# reaches the margin: with "<>()" and a training set whose baseline is already strong, this one
# lost 0.07-0.11 (students "memory_bomb" of the fixture corpus, two hidden sets). There a
# pipeline that does at least as well as the course's own on the same data also scores.
D6_REFERENCE = ("shift", "rotate", "scale")
D6_TOL = 0.01


def d6_training_set(v):
    """The student's visible training set of D6 (``helpers.drills.experiments.make_glyph_set``)."""
    from helpers.drills.experiments import make_glyph_set

    return make_glyph_set(v["glyphs"], D6_TRAIN_PER_CLASS, v["data_seed"])


def _d6_hidden_inputs(v, rng):
    return {"seed": int(rng.integers(0, 2**31 - 1))}


def _d6_result_score(v, inputs, ans):
    from helpers.drills.experiments import MENU, make_glyph_set, train_with

    err = _describe_error(ans)
    if err:
        return 0.0, [f"CHOSEN and JUSTIFY could not be read: {err}"]
    chosen, why = ans.get("CHOSEN"), ans.get("JUSTIFY")
    if not (isinstance(chosen, list) and chosen and all(isinstance(n, str) and n in MENU for n in chosen)
            and len(set(chosen)) == len(chosen)):
        return 0.0, ["CHOSEN must be a non-empty list of distinct names from MENU"]
    if not isinstance(why, dict) or any(
            not isinstance(why.get(n), str) or not why[n].strip() or "\n" in why[n].strip() for n in chosen):
        return 0.0, ["JUSTIFY must give one line of reason for every transform in CHOSEN"]
    if set(chosen) & LABEL_CHANGING[v["glyphs"]]:
        return 0.0, ["CHOSEN contains a transform that turns one class of your data set into another"]
    X, y = d6_training_set(v)
    X_val, y_val = make_glyph_set(v["glyphs"], D6_HIDDEN_PER_CLASS, inputs["seed"])
    base = train_with([], X, y, X_val, y_val)
    mine = train_with(chosen, X, y, X_val, y_val)
    if mine - base >= D6_MARGIN:
        return 3.0, [f"on hidden validation data your pipeline beats no augmentation by at least "
                     f"{D6_MARGIN:.2f}"]
    ref = train_with(list(D6_REFERENCE), X, y, X_val, y_val)
    if ref - base < D6_MARGIN and mine >= ref - D6_TOL:
        return 3.0, ["on your data augmentation gains little even for the course's own pipeline, "
                     "and yours does at least as well as it on hidden validation data"]
    return 0.0, [f"on hidden validation data your pipeline does not beat no augmentation by "
                 f"{D6_MARGIN:.2f}"]


def _d6_rejected_score(v, inputs, ans):
    from helpers.drills.experiments import MENU

    err = _describe_error(ans)
    if err:
        return 0.0, [f"REJECTED could not be read: {err}"]
    got = ans.get("REJECTED")
    if not (isinstance(got, list) and all(isinstance(n, str) and n in MENU for n in got)):
        return 0.0, ["REJECTED must be a list of names from MENU"]
    if set(got) == LABEL_CHANGING[v["glyphs"]]:
        return 2.0, ["REJECTED names exactly the transforms that change a label of your data set"]
    return 0.0, ["REJECTED must name every menu transform that turns one of your classes into "
                 "another, and nothing else (all or nothing)"]


def _no_inputs(v, rng):
    return {}


def _as_list(ans, cases):
    if isinstance(ans, list) and len(ans) == len(cases):
        return ans
    err = _describe_error(ans) or "no answer"
    return [{"error": err}] * len(cases)


PARTS: tuple[Part, ...] = (
    Part("d1_soft_target", "D1", "label-smoothed soft target", 2.0, ("make_soft_target",),
         _d1_soft_inputs, probe_source("d1_soft_target"), _d1_soft_score),
    Part("d1_my_target", "D1", "the smoothed target of your λ, i, j, K, ε", 1.0, ("MY_TARGET",),
         _no_inputs, _value_probe("MY_TARGET"), _d1_mine_score),
    Part("d2_val_transform", "D2", "deterministic validation transform", 2.0, ("val_transform",),
         _d2_val_inputs, probe_source("d2_val_transform"), _d2_val_score),
    Part("d2_accuracy_runs", "D2", "validation accuracy over repeated runs", 1.0, ("accuracy_runs",),
         _d2_runs_inputs, probe_source("d2_accuracy_runs"), _d2_runs_score),
    Part("d2_diagnosis", "D2", "diagnosis (multiple choice)", 1.0, ("D2_ANSWER",),
         _no_inputs, _value_probe("D2_ANSWER"), _choice_score("D2_ANSWER", D2_KEY, "d2_order")),
    Part("d3_preserves", "D3", "label-preserving or not", 2.0, ("PRESERVES",),
         _no_inputs, _value_probe("PRESERVES"), _d3_pres_score),
    Part("d3_experiment", "D3", "capacity: linear model vs small CNN, same augmentation", 2.0,
         ("ACC", "PAYS_MORE"), _no_inputs, _value_probe("ACC", "PAYS_MORE"), _d3_exp_score),
    Part("d4_views", "D4", "views within a latency budget", 1.0, ("views_within_budget",),
         _d4_views_inputs, probe_source("d4_views"), _d4_views_score),
    Part("d4_my_views", "D4", "views for your budget", 1.0, ("MY_VIEWS",),
         _no_inputs, _value_probe("MY_VIEWS"), _d4_mine_score),
    Part("d4_curve", "D4", "accuracy against number of views", 1.0, ("CURVE",),
         _no_inputs, _value_probe("CURVE"), _d4_curve_score),
    Part("d5_diagnosis", "D5", "diagnosis (multiple choice)", 1.0, ("D5_ANSWER",),
         _no_inputs, _value_probe("D5_ANSWER"), _choice_score("D5_ANSWER", D5_KEY, "d5_order")),
    Part("d5_gaps", "D5", "leaky and fold-scoped gaps, measured", 2.0, ("GAP_LEAKY", "GAP_FIXED"),
         _no_inputs, _value_probe("GAP_LEAKY", "GAP_FIXED"), _d5_gap_score),
    Part("d6_result", "D6", "your pipeline on hidden validation data", 3.0, ("CHOSEN", "JUSTIFY"),
         _d6_hidden_inputs, _value_probe("CHOSEN", "JUSTIFY"), _d6_result_score),
    Part("d6_rejected", "D6", "the label-changing transforms, rejected", 2.0, ("REJECTED",),
         _no_inputs, _value_probe("REJECTED"), _d6_rejected_score),
)
PARTS_BY_ID = {p.grade_id: p for p in PARTS}


def part_rng(part: Part, student: str, secret: str) -> np.random.Generator:
    """The generator of a part's hidden inputs: seeded by (secret, student, part)."""
    import hashlib

    digest = hashlib.sha256(f"{secret}|{student}|{part.grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def grade_part(grade_id: str, namespace: dict, *, secret: str = "notebook") -> float:
    """Score one part in the current process (the notebook's own hidden test).

    Makes the hidden inputs, collects the answer from ``namespace`` with the part's probe,
    prints the messages and returns the points; raises ``AssertionError`` (with the messages)
    when no point is earned. The grader does the same out of the student's kernel.
    """
    part = PARTS_BY_ID[grade_id]
    v = _variant()
    inputs = part.make_inputs(v, part_rng(part, v["student"], secret))
    scope: dict = {}
    exec(PROBE_PRELUDE + part.probe, scope)  # noqa: S102 - our own probe code
    answer = scope["_answer"](namespace, {k: _clone(x) for k, x in inputs.items()})
    points, lines = part.score(v, inputs, answer)
    if points <= 0:
        raise AssertionError("; ".join(lines))
    print("\n".join(lines))
    return float(points)


def total_points() -> float:
    return float(sum(p.points for p in PARTS))
