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
D2_KEY = D2_OPTIONS.index(next(o for o in D2_OPTIONS if o.startswith("The validation transform is random")))
D5_KEY = D5_OPTIONS.index(next(o for o in D5_OPTIONS if o.startswith("The target encoder was fitted")))
PRESERVES_PAIRS = {
    ("handwritten digits", "vertical flip"): False,
    ("handwritten digits", "rotation by up to 10 degrees"): True,
    ("road signs: turn left / turn right", "horizontal flip"): False,
    ("satellite land-cover tiles", "rotation by any angle"): True,
    ("ID photos (always upright)", "rotation by up to 180 degrees"): False,
    ("cat vs dog photos", "horizontal flip"): True,
    ("'b' vs 'd' characters", "horizontal flip"): False,
    ("bird-call spectrograms", "small time shift"): True,
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


def choice_letter(order, key: int) -> str:
    """The letter (a-d) under which option number ``key`` (the right one) appears in ``order``."""
    return "abcd"[list(order).index(key)]


# ----------------------------------------------------------------------------- D1


def _d1_soft_inputs(v, rng):
    cases = []
    for _ in range(5):
        K = int(rng.integers(3, 15))
        i, j = (int(a) for a in rng.choice(K, 2, replace=False))
        cases.append([round(float(rng.uniform(0.05, 0.95)), 4), i, j, K])
    K = int(rng.integers(3, 15))
    same = int(rng.integers(0, K))
    cases += [[0.3, same, same, K], [1.0, 0, K - 1, K]]
    return {"cases": cases}



def _d1_soft_score(v, inputs, ans):
    from helpers.mix import soft_target

    msgs = []
    for n, ((lam, i, j, K), a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        m = _tensor_case(a, soft_target(lam, i, j, K), atol=1e-6, rtol=0, name=f"case {n + 1}")
        if m:
            msgs.append(m)
    return _fraction_score(1.0, msgs, len(inputs["cases"]), "make_soft_target")


def _d1_mine_score(v, inputs, ans):
    from helpers.mix import soft_target

    err = _describe_error(ans)
    if err:
        return 0.0, [f"MY_TARGET could not be read: {err}"]
    m = _tensor_case(ans.get("MY_TARGET"), soft_target(v["lam"], v["i"], v["j"], v["K"]),
                     atol=1e-6, rtol=0, name="MY_TARGET")
    if m:
        return 0.0, [m + " (it must be the soft target for YOUR λ, i, j and K, printed at the top)"]
    return 1.0, ["MY_TARGET is the soft target of your numbers"]


def _d1_mix_inputs(v, rng):
    cases = []
    for shape in ((4, 3, 5, 5), (6, 1, 8, 8), (3, 7), (5, 2, 4, 6)):
        B, K = shape[0], int(rng.integers(3, 10))
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = torch.from_numpy(rng.dirichlet(np.ones(K), B).astype(np.float32))
        lam = round(float(rng.choice([-1, 1]) * rng.uniform(0.1, 0.4) + 0.5), 4)  # away from 1/2
        order = rng.permutation(B)
        perm = np.empty(B, dtype=np.int64)
        perm[order] = np.roll(order, -1)  # every sample gets a partner other than itself
        perm = torch.from_numpy(perm)
        cases.append({"x": x, "y": y, "lam": lam, "perm": perm})
    return {"cases": cases}



def _d1_mix_score(v, inputs, ans):
    from helpers.mix import mixup_kernel

    msgs = []
    for n, (c, a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        x_ref, y_ref = mixup_kernel(c["x"], c["y"], c["lam"], c["perm"])
        err = _describe_error(a)
        if err:
            msgs.append(f"case {n + 1}: mixup_batch raised {err}")
        elif not (isinstance(a, list) and len(a) == 2):
            msgs.append(f"case {n + 1}: mixup_batch must return a pair (mixed x, mixed targets)")
        else:
            m = (_tensor_case(a[0], x_ref, atol=1e-5, rtol=1e-5, name=f"case {n + 1}: mixed x")
                 or _tensor_case(a[1], y_ref, atol=1e-6, rtol=1e-5, name=f"case {n + 1}: mixed targets"))
            if m:
                msgs.append(m)
    return _fraction_score(2.0, msgs, len(inputs["cases"]), "mixup_batch")


def _d1_ce_inputs(v, rng):
    cases = []
    for B, K, scale in ((4, 5, 1.0), (8, 10, 3.0), (3, 4, 1000.0), (6, 7, 0.1)):
        logits = torch.from_numpy((scale * rng.standard_normal((B, K))).astype(np.float32))
        t = torch.from_numpy(rng.dirichlet(np.ones(K), B).astype(np.float32))
        cases.append({"logits": logits, "targets": t})
    return {"cases": cases}



def _d1_ce_score(v, inputs, ans):
    from helpers.mix import soft_cross_entropy

    msgs = []
    for n, (c, a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        if isinstance(a, float):
            a = torch.tensor(a)
        m = _tensor_case(a, soft_cross_entropy(c["logits"], c["targets"]), atol=1e-5, rtol=1e-4,
                         name=f"case {n + 1}")
        if m:
            if n == 2:
                m += " (very large logits: use log_softmax, not log(softmax))"
            msgs.append(m)
    return _fraction_score(1.0, msgs, len(inputs["cases"]), "soft_cross_entropy")


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
    def score(v, inputs, ans):
        err = _describe_error(ans)
        if err:
            return 0.0, [f"{name} could not be read: {err}"]
        got = ans.get(name)
        if not isinstance(got, str) or got.strip().lower() not in ("a", "b", "c", "d"):
            return 0.0, [f"{name} must be one of the letters 'a', 'b', 'c', 'd'"]
        if got.strip().lower() == choice_letter(v[order_key], key):
            return 1.0, [f"{name}: correct"]
        return 0.0, [f"{name}: not the right diagnosis (the options are in YOUR order, printed above)"]
    return score


# ----------------------------------------------------------------------------- D3


def _d3_pres_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"PRESERVES could not be read: {err}"]
    got = ans.get("PRESERVES")
    if not isinstance(got, dict):
        return 0.0, ["PRESERVES must be a dict"]
    wrong = [k for k, val in PRESERVES_PAIRS.items() if got.get("|".join(k)) is not val]
    n = len(PRESERVES_PAIRS)
    lines = [f"PRESERVES: {n - len(wrong)} of {n} pairs correct"]
    return round(2.0 * (n - len(wrong)) / n, 6), lines


def _d3_exp_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"the experiment's results could not be read: {err}"]
    plain, rot, worse = ans.get("ACC_PLAIN"), ans.get("ACC_ROTATED"), ans.get("WORSE")
    points, lines = 0.0, []
    ok_numbers = all(isinstance(a, float) and 0.0 <= a <= 1.0 for a in (plain, rot))
    if ok_numbers and rot < plain:
        points += 1.0
        lines.append("ACC_PLAIN and ACC_ROTATED are measured accuracies, and rotation is worse")
    else:
        lines.append("ACC_PLAIN and ACC_ROTATED must be accuracies in [0, 1] from the experiment; "
                     "with a model this small heavy rotation should cost accuracy")
    if worse == "rotated":
        points += 1.0
        lines.append("WORSE: correct")
    else:
        lines.append("WORSE must name the setting with the lower validation accuracy ('plain' or 'rotated')")
    return points, lines


# ----------------------------------------------------------------------------- D4


def _d4_views_inputs(v, rng):
    cases = [[50.0, 12.0], [0.3, 0.1], [5.0, 12.0], [12.0, 12.0]]
    for _ in range(3):
        per = float(rng.integers(3, 30))
        cases.append([float(per * rng.integers(1, 9) + rng.integers(0, per)), per])
    return {"cases": cases}



def _d4_views_score(v, inputs, ans):
    from helpers.tta import max_views

    msgs = []
    for n, ((b, p), a) in enumerate(zip(inputs["cases"], _as_list(ans, inputs["cases"]), strict=False)):
        err = _describe_error(a)
        if err:
            msgs.append(f"case {n + 1} raised {err}")
        elif type(a) is not int:
            msgs.append(f"case {n + 1}: return an int, got {type(a).__name__}")
        elif a != max_views(b, p):
            hint = " (a budget that is an exact multiple of the pass time: beware float division)" \
                if n == 1 else ""
            msgs.append(f"case {n + 1}: wrong number of views{hint}")
    return _fraction_score(1.0, msgs, len(inputs["cases"]), "views_within_budget")


def _d4_mine_score(v, inputs, ans):
    from helpers.tta import max_views

    err = _describe_error(ans)
    if err:
        return 0.0, [f"MY_VIEWS could not be read: {err}"]
    if ans.get("MY_VIEWS") == max_views(v["budget_ms"], v["view_ms"]) and type(ans.get("MY_VIEWS")) is int:
        return 1.0, ["MY_VIEWS fits your budget"]
    return 0.0, ["MY_VIEWS must be the number of views that fit YOUR budget (printed at the top)"]


def _d4_tta_inputs(v, rng):
    cases = []
    for B, C, H, W, K, views in ((3, 1, 5, 5, 4, ["identity", "hflip"]),
                                 (2, 3, 4, 6, 3, ["identity", "hflip", "vflip", "hvflip"]),
                                 (4, 2, 6, 6, 5, ["vflip", "identity", "hvflip"])):
        cases.append({
            "x": torch.from_numpy(rng.random((B, C, H, W)).astype(np.float32)),
            "weight": torch.from_numpy(rng.standard_normal((K, C * H * W)).astype(np.float32)),
            "bias": torch.from_numpy(rng.standard_normal(K).astype(np.float32)),
            "views": views,
        })
    return {"cases": cases}



def _d4_tta_score(v, inputs, ans):
    from helpers.tta import tta_predict

    msgs, single = [], 0
    cases = inputs["cases"]
    for n, (c, a) in enumerate(zip(cases, _as_list(ans, cases), strict=False)):
        lin = torch.nn.Linear(c["weight"].shape[1], c["weight"].shape[0])
        with torch.no_grad():
            lin.weight.copy_(c["weight"])
            lin.bias.copy_(c["bias"])
        model = torch.nn.Sequential(torch.nn.Flatten(), lin)
        with torch.no_grad():
            ref = tta_predict(model, c["x"], c["views"])
        if not (isinstance(a, list) and len(a) == 2):
            msgs.append(f"case {n + 1}: no answer")
            continue
        m = _tensor_case(a[0], ref, atol=1e-5, rtol=1e-4, name=f"case {n + 1} ({len(c['views'])} views)")
        if m:
            msgs.append(m)
        elif a[1] == 1:
            single += 1
    correct = len(cases) - len(msgs)
    points = 1.5 * correct / len(cases) + (0.5 if single == len(cases) else 0.0)
    lines = [f"tta_probs: {correct} of {len(cases)} hidden cases correct"] + msgs[:3]
    if correct and single < correct:
        lines.append("tta_probs: stack the views into one batch and call the model once")
    return round(points, 6), lines


def _d4_curve_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"CURVE could not be read: {err}"]
    curve = ans.get("CURVE")
    if not isinstance(curve, dict) or not curve:
        return 0.0, ["CURVE must be a dict {number of views: accuracy}"]
    try:
        keys = sorted(int(k) for k in curve)
        vals = [curve[str(k)] for k in keys]
    except (KeyError, ValueError):
        return 0.0, ["CURVE's keys must be numbers of views (1, 2, ...)"]
    if keys[0] != 1 or keys != list(range(1, len(keys) + 1)) or len(keys) < 4:
        return 0.0, ["CURVE must have every number of views from 1 to at least 4"]
    if not all(isinstance(a, float) and 0.0 <= a <= 1.0 for a in vals):
        return 0.0, ["CURVE's values must be accuracies in [0, 1]"]
    return 1.0, ["CURVE has an accuracy for every number of views"]


# ----------------------------------------------------------------------------- D5

D5_ROWS = 1500
D5_RATE = 0.15
D5_MIN_AUC = 0.70
D5_MAX_GAP = 0.08
D5_LEAK = 0.10


def _d5_pipe_inputs(v, rng):
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from helpers.tabular import make_leaky_fraud_data

    seed = int(rng.integers(0, 2**31 - 1))
    data = make_leaky_fraud_data(D5_ROWS, fraud_rate=D5_RATE, seed=seed)
    X_dev, X_hold, y_dev, y_hold = train_test_split(data.X, data.y, test_size=0.3, stratify=data.y,
                                                    random_state=seed % 1000)
    folds = [[torch.from_numpy(tr.astype(np.int64)), torch.from_numpy(va.astype(np.int64))]
             for tr, va in StratifiedKFold(4, shuffle=True, random_state=seed % 997).split(X_dev, y_dev)]
    return {"X_dev": torch.from_numpy(X_dev), "y_dev": torch.from_numpy(y_dev),
            "X_hold": torch.from_numpy(X_hold), "y_hold": torch.from_numpy(y_hold),
            "folds": folds, "categorical": list(data.categorical)}



def _d5_pipe_score(v, inputs, ans):
    from sklearn.metrics import roc_auc_score

    err = _describe_error(ans)
    if err:
        return 0.0, [f"make_fold_pipeline could not be fitted and scored: {err}"]
    folds = inputs["folds"]
    if not isinstance(ans, list) or len(ans) != len(folds) + 1:
        return 0.0, ["make_fold_pipeline: no predictions"]
    y_dev, y_hold = inputs["y_dev"].numpy(), inputs["y_hold"].numpy()
    try:
        cv = float(np.mean([roc_auc_score(y_dev[va.numpy()], np.asarray(p, dtype=np.float64))
                            for (_, va), p in zip(folds, ans[:-1], strict=False)]))
        hold = float(roc_auc_score(y_hold, np.asarray(ans[-1], dtype=np.float64)))
    except (ValueError, TypeError):
        return 0.0, ["make_fold_pipeline: predict_proba must give one probability per row"]
    if not (math.isfinite(cv) and math.isfinite(hold)):
        return 0.0, ["make_fold_pipeline: the predictions are not finite numbers"]
    points, lines = 0.0, []
    if hold >= D5_MIN_AUC:
        points += 1.0
        lines.append("the fitted pipeline ranks held-out rows well")
    else:
        lines.append(f"the held-out AUC of your pipeline is below {D5_MIN_AUC}: check the model and SMOTE steps")
    if abs(cv - hold) <= D5_MAX_GAP and hold >= 0.5:
        points += 1.0
        lines.append("cross-validated and held-out scores agree")
    else:
        lines.append(f"cross-validated and held-out AUC differ by more than {D5_MAX_GAP}")
    return points, lines


def _d5_gap_score(v, inputs, ans):
    err = _describe_error(ans)
    if err:
        return 0.0, [f"the measured gaps could not be read: {err}"]
    leaky, fixed = ans.get("GAP_LEAKY"), ans.get("GAP_FIXED")
    if not all(isinstance(g, float) and math.isfinite(g) for g in (leaky, fixed)):
        return 0.0, ["GAP_LEAKY and GAP_FIXED must be numbers (CV AUC minus held-out AUC)"]
    if leaky > 1.5 * D5_LEAK and leaky - fixed > D5_LEAK:
        return 1.0, ["the leaky protocol shows a gap, the fold-scoped one does not"]
    return 0.0, ["GAP_LEAKY should show the leak (CV far above held-out) and GAP_FIXED should not: measure both"]


def _no_inputs(v, rng):
    return {}


def _as_list(ans, cases):
    if isinstance(ans, list) and len(ans) == len(cases):
        return ans
    err = _describe_error(ans) or "no answer"
    return [{"error": err}] * len(cases)


PARTS: tuple[Part, ...] = (
    Part("d1_soft_target", "D1", "soft target of a mixed pair", 1.0, ("make_soft_target",),
         _d1_soft_inputs, probe_source("d1_soft_target"), _d1_soft_score),
    Part("d1_my_target", "D1", "the soft target of your λ, i, j, K", 1.0, ("MY_TARGET",),
         _no_inputs, _value_probe("MY_TARGET"), _d1_mine_score),
    Part("d1_mixup_batch", "D1", "MixUp of a batch", 2.0, ("mixup_batch",),
         _d1_mix_inputs, probe_source("d1_mixup_batch"), _d1_mix_score),
    Part("d1_soft_ce", "D1", "soft-label cross-entropy", 1.0, ("soft_cross_entropy",),
         _d1_ce_inputs, probe_source("d1_soft_ce"), _d1_ce_score),
    Part("d2_val_transform", "D2", "deterministic validation transform", 2.0, ("val_transform",),
         _d2_val_inputs, probe_source("d2_val_transform"), _d2_val_score),
    Part("d2_accuracy_runs", "D2", "validation accuracy over repeated runs", 1.0, ("accuracy_runs",),
         _d2_runs_inputs, probe_source("d2_accuracy_runs"), _d2_runs_score),
    Part("d2_diagnosis", "D2", "diagnosis (multiple choice)", 1.0, ("D2_ANSWER",),
         _no_inputs, _value_probe("D2_ANSWER"), _choice_score("D2_ANSWER", D2_KEY, "d2_order")),
    Part("d3_preserves", "D3", "label-preserving or not", 2.0, ("PRESERVES",),
         _no_inputs, _value_probe("PRESERVES"), _d3_pres_score),
    Part("d3_experiment", "D3", "tiny model with and without heavy rotation", 2.0,
         ("ACC_PLAIN", "ACC_ROTATED", "WORSE"),
         _no_inputs, _value_probe("ACC_PLAIN", "ACC_ROTATED", "WORSE"), _d3_exp_score),
    Part("d4_views", "D4", "views within a latency budget", 1.0, ("views_within_budget",),
         _d4_views_inputs, probe_source("d4_views"), _d4_views_score),
    Part("d4_my_views", "D4", "views for your budget", 1.0, ("MY_VIEWS",),
         _no_inputs, _value_probe("MY_VIEWS"), _d4_mine_score),
    Part("d4_tta", "D4", "batched TTA", 2.0, ("tta_probs",),
         _d4_tta_inputs, probe_source("d4_tta"), _d4_tta_score),
    Part("d4_curve", "D4", "accuracy against number of views", 1.0, ("CURVE",),
         _no_inputs, _value_probe("CURVE"), _d4_curve_score),
    Part("d5_diagnosis", "D5", "diagnosis (multiple choice)", 1.0, ("D5_ANSWER",),
         _no_inputs, _value_probe("D5_ANSWER"), _choice_score("D5_ANSWER", D5_KEY, "d5_order")),
    Part("d5_pipeline", "D5", "fold-scoped pipeline", 2.0, ("make_fold_pipeline",),
         _d5_pipe_inputs, probe_source("d5_pipeline"), _d5_pipe_score, timeout=60.0),
    Part("d5_gaps", "D5", "leaky and fold-scoped gaps, measured", 1.0, ("GAP_LEAKY", "GAP_FIXED"),
         _no_inputs, _value_probe("GAP_LEAKY", "GAP_FIXED"), _d5_gap_score),
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
