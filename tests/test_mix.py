"""helpers.mix: formulas with explicit parameters, agreement with torchvision v2 MixUp/CutMix,
Beta sampling statistics, exact CutMix areas, modes and partners, and bad input."""

import math

import pytest
import torch
import torch.nn.functional as F
from scipy import stats
from torchvision.transforms import v2

from helpers import mix

K = 10


def make_batch(b=8, c=3, h=12, w=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, c, h, w, generator=g), torch.randint(0, K, (b,), generator=g)


def roll_perm(b):
    """torchvision pairs sample i with sample i - 1 (``batch.roll(1, 0)``)."""
    return (torch.arange(b) - 1) % b


def constant_images(b, h=20, w=30):
    """Image i is filled with the value i, so every pixel says which sample it came from."""
    return torch.arange(b, dtype=torch.float32).reshape(b, 1, 1, 1).expand(b, 3, h, w).clone()


# ----------------------------------------------------------------------------- targets


def test_soft_target_drill_d1():
    t = mix.soft_target(0.7, 3, 7, 10)
    expected = torch.zeros(10)
    expected[3], expected[7] = 0.7, 0.3
    assert t.shape == (10,) and t.dtype == torch.float32
    torch.testing.assert_close(t, expected)
    assert t.sum().item() == pytest.approx(1.0, abs=1e-7)


def test_soft_target_vectorised_and_same_class():
    lam = torch.tensor([0.7, 0.25, 1.0])
    t = mix.soft_target(lam, torch.tensor([3, 0, 5]), torch.tensor([7, 0, 2]), 6 + 2)
    assert t.shape == (3, 8)
    torch.testing.assert_close(t[0, [3, 7]], torch.tensor([0.7, 0.3]))
    torch.testing.assert_close(t[1], F.one_hot(torch.tensor(0), 8).float())  # i == j
    torch.testing.assert_close(t[2], F.one_hot(torch.tensor(5), 8).float())
    torch.testing.assert_close(t.sum(1), torch.ones(3))


def test_one_hot_label_smoothing_matches_cross_entropy():
    g = torch.Generator().manual_seed(1)
    logits, y = torch.randn(16, K, generator=g), torch.randint(0, K, (16,), generator=g)
    t = mix.one_hot(y, K, label_smoothing=0.1)
    torch.testing.assert_close(t.sum(1), torch.ones(16))
    assert t.min().item() == pytest.approx(0.1 / K)
    torch.testing.assert_close(mix.soft_cross_entropy(logits, t),
                               F.cross_entropy(logits, y, label_smoothing=0.1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_soft_cross_entropy_equals_torch_with_probability_targets(reduction):
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(6, K, 3, 4, generator=g, requires_grad=True)
    targets = torch.softmax(torch.randn(6, K, 3, 4, generator=g), dim=1)
    ours = mix.soft_cross_entropy(logits, targets, reduction=reduction)
    ref = F.cross_entropy(logits, targets, reduction=reduction)
    torch.testing.assert_close(ours, ref)
    grad_ours, = torch.autograd.grad(ours.sum(), logits)
    grad_ref, = torch.autograd.grad(ref.sum(), logits)
    torch.testing.assert_close(grad_ours, grad_ref)


def test_soft_cross_entropy_matches_the_seed_formula():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(5, K, generator=g)
    targets = mix.soft_target(torch.rand(5, generator=g), torch.arange(5), torch.arange(5, 10), K)
    by_hand = -(targets * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
    torch.testing.assert_close(mix.soft_cross_entropy(logits, targets), by_hand)


# ----------------------------------------------------------------------------- kernels


def test_mixup_kernel_equals_formula_per_sample_lambda():
    x, y = make_batch(b=8)
    y_soft = mix.one_hot(y, K)
    g = torch.Generator().manual_seed(4)
    lam, perm = torch.rand(8, generator=g), torch.randperm(8, generator=g)
    xm, ym = mix.mixup_kernel(x, y_soft, lam, perm)
    lam4 = lam.view(8, 1, 1, 1)
    # torch.lerp differs from the written formula by a few ulp at most (values in [0, 1]).
    torch.testing.assert_close(xm, lam4 * x + (1 - lam4) * x[perm], atol=1e-6, rtol=0)
    torch.testing.assert_close(ym, lam[:, None] * y_soft + (1 - lam[:, None]) * y_soft[perm])
    torch.testing.assert_close(ym.sum(1), torch.ones(8))


def test_mixup_kernel_scalar_lambda_forms_agree_and_endpoints_are_exact():
    x, y = make_batch(b=5)
    y_soft = mix.one_hot(y, K)
    perm = torch.tensor([4, 3, 2, 1, 0])
    ref = mix.mixup_kernel(x, y_soft, 0.3, perm)
    for lam in (torch.tensor(0.3), torch.tensor([0.3]), torch.full((5,), 0.3)):
        out = mix.mixup_kernel(x, y_soft, lam, perm)
        torch.testing.assert_close(out[0], ref[0], atol=1e-7, rtol=0)
        torch.testing.assert_close(out[1], ref[1])
    assert torch.equal(mix.mixup_kernel(x, y_soft, 1.0, perm)[0], x)
    assert torch.equal(mix.mixup_kernel(x, y_soft, 0.0, perm)[0], x[perm])


def test_mixup_kernel_works_on_any_batch_shape():
    feats = torch.randn(6, 4)
    y_soft = mix.one_hot(torch.arange(6) % 3, 3)
    out, ym = mix.mixup_kernel(feats, y_soft, 0.25, roll_perm(6))
    torch.testing.assert_close(out, 0.25 * feats + 0.75 * feats.roll(1, 0), atol=1e-6, rtol=0)
    assert ym.shape == (6, 3)


def test_mixup_kernel_matches_torchvision_for_the_same_lambda():
    x, y = make_batch(b=8)

    class FixedMixUp(v2.MixUp):
        def make_params(self, flat_inputs):
            return {"lam": 0.37}

    tx, ty = FixedMixUp(num_classes=K)(x, y)
    ox, oy = mix.mixup_kernel(x, mix.one_hot(y, K), 0.37, roll_perm(8))
    torch.testing.assert_close(ox, tx, atol=1e-6, rtol=0)
    torch.testing.assert_close(oy, ty)


def test_cutmix_kernel_matches_torchvision_for_the_same_box():
    x, y = make_batch(b=6, h=19, w=23)
    box = (3, 5, 17, 12)
    lam_adjusted = 1.0 - (17 - 3) * (12 - 5) / (19 * 23)

    class FixedCutMix(v2.CutMix):
        def make_params(self, flat_inputs):
            return {"box": box, "lam_adjusted": lam_adjusted}

    tx, ty = FixedCutMix(num_classes=K)(x, y)
    ox, oy = mix.cutmix_kernel(x, mix.one_hot(y, K), box, roll_perm(6))
    assert torch.equal(ox, tx)
    torch.testing.assert_close(oy, ty)


def test_cutmix_kernel_per_sample_boxes_equal_a_looped_paste():
    b, h, w = 7, 15, 21
    x, y = make_batch(b=b, h=h, w=w)
    y_soft = mix.one_hot(y, K)
    params = mix.sample_cutmix_params(b, h, w, mode="elem", generator=5)
    box, perm = params["box"], params["perm"]
    xm, ym = mix.cutmix_kernel(x, y_soft, box, perm)
    expected = x.clone()
    for i, (x1, y1, x2, y2) in enumerate(box.tolist()):
        expected[i, :, y1:y2, x1:x2] = x[perm[i], :, y1:y2, x1:x2]
    assert torch.equal(xm, expected)
    lam = params["lam"].float()[:, None]
    torch.testing.assert_close(ym, lam * y_soft + (1 - lam) * y_soft[perm])


def test_cutmix_lambda_is_exactly_the_kept_area():
    b, h, w = 16, 20, 30
    x = constant_images(b, h, w)
    y = torch.arange(b) % K
    perm = torch.arange(b).flip(0)  # no sample is its own partner
    params = mix.sample_cutmix_params(b, h, w, alpha=1.0, mode="elem", partner="flip", generator=6)
    box = params["box"]
    area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    assert params["lam"].dtype == torch.float64
    assert torch.equal(params["lam"], 1.0 - area.double() / (h * w))
    xm, ym = mix.cutmix_kernel(x, mix.one_hot(y, K), box, perm)
    pasted = (xm[:, 0] == perm.float().view(b, 1, 1)).sum(dim=(1, 2))
    assert torch.equal(pasted, area)
    assert torch.equal(mix.cutmix_lambda(box, h, w), params["lam"])
    assert len({tuple(r) for r in box.tolist()}) > 1  # per-sample boxes


def test_box_mask_is_the_union_of_sliced_boxes():
    box = torch.tensor([[0, 0, 4, 3], [2, 1, 7, 5], [5, 5, 5, 5], [0, 0, 7, 6]])
    mask = mix.box_mask(box, 6, 7)
    assert mask.shape == (4, 6, 7) and mask.dtype == torch.bool
    for i, (x1, y1, x2, y2) in enumerate(box.tolist()):
        ref = torch.zeros(6, 7, dtype=torch.bool)
        ref[y1:y2, x1:x2] = True
        assert torch.equal(mask[i], ref)


def test_cutmix_keeps_uint8():
    x = (torch.rand(4, 3, 9, 9, generator=torch.Generator().manual_seed(7)) * 255).to(torch.uint8)
    xm, ym = mix.cutmix(x, torch.arange(4), num_classes=4, mode="elem", generator=3)
    assert xm.dtype == torch.uint8 and ym.dtype == torch.float32


# ----------------------------------------------------------------------------- box rule and sampling


def test_cutmix_sampling_reproduces_torchvision_box_rule():
    """Same global seed: torchvision's v2.CutMix draws (λ, centre) and our sampler draws the
    same values, so its box and corrected λ must be ours exactly, for odd sizes and many seeds."""
    tv = v2.CutMix(alpha=1.0, num_classes=K)
    x = torch.zeros(4, 3, 37, 53)
    with torch.random.fork_rng():
        for seed in range(200):
            torch.manual_seed(seed)
            ref = tv.make_params([x])
            torch.manual_seed(seed)
            ours = mix.sample_cutmix_params(4, 37, 53, alpha=1.0, partner="roll")
            assert tuple(ours["box"][0].tolist()) == ref["box"], seed
            assert ours["lam"].item() == ref["lam_adjusted"], seed


def test_cutmix_box_rule_clips_and_floors():
    # λ = 0.64: half-sides ⌊0.5·0.6·W⌋ = ⌊0.3·W⌋.
    box = mix.cutmix_box(torch.tensor([0.64, 0.64, 0.0, 1.0]), torch.tensor([0, 25, 10, 10]),
                         torch.tensor([0, 10, 0, 5]), 20, 30)
    assert box.tolist() == [[0, 0, 9, 6], [16, 4, 30, 16], [0, 0, 25, 10], [10, 5, 10, 5]]


@pytest.mark.parametrize("alpha", [0.2, 1.0])
def test_sampled_lambda_has_beta_moments(alpha):
    n = 200_000
    lam = mix.sample_lambda(n, alpha, generator=11).double()
    var = 1.0 / (4.0 * (2.0 * alpha + 1.0))
    # Tolerances: 5 standard errors of the sample mean and of the sample variance.
    assert abs(lam.mean().item() - 0.5) < 5 * math.sqrt(var / n)
    sq = (lam - 0.5) ** 2
    assert abs(sq.mean().item() - var) < 5 * sq.std().item() / math.sqrt(n)
    assert lam.min() >= 0 and lam.max() <= 1
    # Whole distribution: the empirical CDF stays within the Dvoretzky-Kiefer-Wolfowitz band
    # (failure probability 1e-6) of Beta(α, α)'s CDF. The grid stops short of 0 and 1 because
    # float32 rounds the top ~2 % of Beta(0.2, 0.2)'s mass (λ within 6e-8 of 1) to 1.
    grid = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
    ecdf = torch.searchsorted(lam.sort().values, grid, right=True).double() / n
    band = math.sqrt(math.log(2 / 1e-6) / (2 * n))
    assert (ecdf - torch.from_numpy(stats.beta.cdf(grid.numpy(), alpha, alpha))).abs().max() < band


def test_seeded_batch_mode_reproduces_torchvision_mixup_and_cutmix():
    x, y = make_batch(b=8, h=17, w=19)
    with torch.random.fork_rng():
        torch.manual_seed(21)
        tx, ty = v2.MixUp(alpha=0.4, num_classes=K)(x, y)
        torch.manual_seed(21)
        ox, oy = mix.mixup(x, y, alpha=0.4, partner="roll", num_classes=K)
        torch.testing.assert_close(ox, tx, atol=1e-6, rtol=0)
        torch.testing.assert_close(oy, ty)
        torch.manual_seed(22)
        tx, ty = v2.CutMix(alpha=1.0, num_classes=K)(x, y)
        torch.manual_seed(22)
        ox, oy = mix.cutmix(x, y, alpha=1.0, partner="roll", num_classes=K)
        assert torch.equal(ox, tx)
        torch.testing.assert_close(oy, ty)


def test_cutmix_box_centres_are_uniform():
    n, h, w = 60_000, 10, 40
    params = mix.sample_cutmix_params(n, h, w, alpha=0.05, mode="elem", generator=12)
    # Small α puts λ near 0 or 1; a box with λ ≈ 1 is empty and sits at its centre
    # (x1 == x2 == cx). Which boxes are empty depends on λ only, not on the centre.
    box = params["box"]
    empty = (box[:, 0] == box[:, 2]) & (box[:, 1] == box[:, 3])
    assert empty.sum() > 10_000
    cx = box[empty, 0]
    counts = torch.bincount(cx, minlength=w).double()
    assert stats.chisquare(counts.numpy()).pvalue > 1e-3


# ----------------------------------------------------------------------------- modes and partners


@pytest.mark.parametrize("mode", mix.MODES)
@pytest.mark.parametrize("partner", ["perm", "flip"])
def test_targets_sum_to_one_in_every_mode(mode, partner):
    x, y = make_batch(b=9)
    for fn in (mix.mixup, mix.cutmix, mix.mixup_or_cutmix):
        xm, ym = fn(x, y, mode=mode, partner=partner, num_classes=K, label_smoothing=0.1,
                    generator=13)
        assert xm.shape == x.shape and ym.shape == (9, K)
        torch.testing.assert_close(ym.sum(1), torch.ones(9))
        assert ym.min() >= 0


def test_pair_mode_pairs_partners_and_shares_lambda():
    p = mix.sample_mixup_params(10, mode="pair", partner="perm", generator=14)
    perm, lam = p["perm"], p["lam"]
    assert torch.equal(perm[perm], torch.arange(10)) and (perm != torch.arange(10)).all()
    assert torch.equal(lam, lam[perm])
    assert len(set(lam.tolist())) == 5
    odd = mix.partner_index(7, "perm", pairs=True, generator=14)
    assert torch.equal(odd[odd], torch.arange(7)) and (odd == torch.arange(7)).sum() == 1
    c = mix.sample_cutmix_params(10, 16, 16, mode="pair", partner="flip", generator=15)
    assert torch.equal(c["box"], c["box"][c["perm"]])


def test_elem_mode_draws_one_lambda_and_box_per_sample():
    p = mix.sample_mixup_params(32, mode="elem", generator=16)
    assert p["lam"].shape == (32,) and len(set(p["lam"].tolist())) == 32
    c = mix.sample_cutmix_params(32, 64, 64, mode="elem", generator=16)
    assert c["box"].shape == (32, 4) and len({tuple(b) for b in c["box"].tolist()}) > 16
    assert mix.sample_mixup_params(32, mode="batch", generator=16)["lam"].shape == (1,)


def test_partner_rules():
    assert mix.partner_index(5, "flip").tolist() == [4, 3, 2, 1, 0]
    assert mix.partner_index(5, "roll").tolist() == [4, 0, 1, 2, 3]
    perm = mix.partner_index(50, "perm", generator=17)
    assert sorted(perm.tolist()) == list(range(50))


def test_label_smoothing_is_applied_before_mixing():
    x, y = make_batch(b=6)
    _, ym, p = mix.mixup(x, y, num_classes=K, label_smoothing=0.2, mode="elem", generator=18,
                         return_params=True)
    smooth = mix.one_hot(y, K, label_smoothing=0.2)
    lam = p["lam"][:, None]
    torch.testing.assert_close(ym, lam * smooth + (1 - lam) * smooth[p["perm"]])


def test_soft_label_input_is_accepted():
    x, y = make_batch(b=4)
    y_soft = torch.softmax(torch.randn(4, K, generator=torch.Generator().manual_seed(19)), 1)
    _, ym, p = mix.mixup(x, y_soft, generator=20, return_params=True)
    lam = p["lam"]
    torch.testing.assert_close(ym, lam * y_soft + (1 - lam) * y_soft[p["perm"]])


def test_mixup_or_cutmix_extremes_and_mixture():
    x, y = make_batch(b=24, h=16, w=16)
    y_soft = mix.one_hot(y, K)
    xm, ym, p = mix.mixup_or_cutmix(x, y, num_classes=K, cutmix_prob=0.5, mode="elem",
                                    generator=21, return_params=True)
    use = p["use_cutmix"]
    assert 0 < use.sum() < 24
    ref_mix = mix.mixup_kernel(x, y_soft, p["lam"], p["perm"])
    ref_cut = mix.cutmix_kernel(x, y_soft, p["box"], p["perm"])
    assert torch.equal(xm[use], ref_cut[0][use])
    torch.testing.assert_close(xm[~use], ref_mix[0][~use], atol=1e-6, rtol=0)
    torch.testing.assert_close(ym[use], ref_cut[1][use])
    torch.testing.assert_close(ym[~use], ref_mix[1][~use])
    for prob, flag in ((0.0, False), (1.0, True)):
        q = mix.sample_mixup_or_cutmix_params(24, 16, 16, cutmix_prob=prob, mode="elem", generator=2)
        assert (q["use_cutmix"] == flag).all()


def test_mixup_or_cutmix_coin_frequency():
    n, p = 20_000, 0.3
    q = mix.sample_mixup_or_cutmix_params(n, 8, 8, cutmix_prob=p, mode="elem", generator=22)
    freq = q["use_cutmix"].double().mean().item()
    assert abs(freq - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_batch_mode_switch_applies_one_transform_to_the_batch():
    x, y = make_batch(b=6, h=16, w=16)
    y_soft = mix.one_hot(y, K)
    for seed in range(6):
        xm, ym, p = mix.mixup_or_cutmix(x, y, num_classes=K, generator=seed, return_params=True)
        if bool(p["use_cutmix"]):
            assert torch.equal(xm, mix.cutmix_kernel(x, y_soft, p["box"], p["perm"])[0])
        else:
            ref = mix.mixup_kernel(x, y_soft, p["lam"], p["perm"])[0]
            torch.testing.assert_close(xm, ref, atol=1e-6, rtol=0)


# ----------------------------------------------------------------------------- reproducibility and modules


def test_same_seed_same_output_and_kernel_reproduces_function():
    x, y = make_batch(b=8)
    a = mix.cutmix(x, y, num_classes=K, mode="elem", generator=23)
    b = mix.cutmix(x, y, num_classes=K, mode="elem", generator=torch.Generator().manual_seed(23))
    c = mix.cutmix(x, y, num_classes=K, mode="elem", generator=24)
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], c[0])
    params = mix.sample_mixup_params(8, mode="elem", generator=25)
    ref = mix.mixup_kernel(x, mix.one_hot(y, K), **params)
    out = mix.mixup(x, y, num_classes=K, mode="elem", generator=25)
    assert torch.equal(out[0], ref[0]) and torch.equal(out[1], ref[1])


def test_modules_hold_a_generator():
    x, y = make_batch(b=8)
    m1 = mix.MixUp(0.2, mode="elem", num_classes=K, generator=26)
    m2 = mix.MixUp(0.2, mode="elem", num_classes=K, generator=26)
    first, second = m1(x, y), m1(x, y)
    assert not torch.equal(first[0], second[0])
    assert torch.equal(m2(x, y)[0], first[0])
    assert torch.equal(first[0], mix.mixup(x, y, mode="elem", num_classes=K, generator=26)[0])
    cm = mix.CutMix(mode="elem", num_classes=K, generator=27)
    assert torch.equal(cm(x, y)[0], mix.cutmix(x, y, mode="elem", num_classes=K, generator=27)[0])
    sw = mix.MixUpOrCutMix(cutmix_prob=1.0, mode="elem", num_classes=K, generator=28)
    xm, ym = sw(x, y)
    torch.testing.assert_close(ym.sum(1), torch.ones(8))
    assert "cutmix_prob=1.0" in repr(sw)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_for_the_same_seed():
    x, y = make_batch(b=16, h=32, w=32)
    for fn in (mix.mixup, mix.cutmix, mix.mixup_or_cutmix):
        cpu = fn(x, y, num_classes=K, mode="elem", generator=29)
        gpu = fn(x.cuda(), y.cuda(), num_classes=K, mode="elem", generator=29)
        assert gpu[0].is_cuda and gpu[1].is_cuda
        torch.testing.assert_close(gpu[0].cpu(), cpu[0], atol=1e-6, rtol=0)
        torch.testing.assert_close(gpu[1].cpu(), cpu[1])


# ----------------------------------------------------------------------------- bad input


X4, Y4 = make_batch(b=4)
S4 = mix.one_hot(Y4, K)


@pytest.mark.parametrize("call, name", [
    (lambda: mix.mixup(X4, Y4, alpha=0, num_classes=K), "alpha"),
    (lambda: mix.mixup(X4, Y4, alpha=-1.0, num_classes=K), "alpha"),
    (lambda: mix.mixup(X4, Y4, mode="sample", num_classes=K), "mode"),
    (lambda: mix.mixup(X4, Y4, partner="shuffle", num_classes=K), "partner"),
    (lambda: mix.mixup(X4, Y4, mode="pair", partner="roll", num_classes=K), "partner"),
    (lambda: mix.mixup(X4, Y4), "num_classes"),
    (lambda: mix.mixup(X4, Y4 + K, num_classes=K), "y"),
    (lambda: mix.mixup(X4, Y4[:3], num_classes=K), "y"),
    (lambda: mix.mixup(X4, S4, num_classes=K + 1), "num_classes"),
    (lambda: mix.mixup(X4, Y4, num_classes=K, label_smoothing=1.5), "label_smoothing"),
    (lambda: mix.mixup(X4.to(torch.uint8), Y4, num_classes=K), "x"),
    (lambda: mix.mixup([1, 2], Y4, num_classes=K), "x"),
    (lambda: mix.mixup(X4, Y4, num_classes=K, generator="seed"), "generator"),
    (lambda: mix.cutmix(X4[0], Y4, num_classes=K), "x"),
    (lambda: mix.mixup_kernel(X4, S4, 1.5, torch.arange(4)), "lam"),
    (lambda: mix.mixup_kernel(X4, S4, torch.rand(3), torch.arange(4)), "lam"),
    (lambda: mix.mixup_kernel(X4, S4, 0.5, torch.arange(5)), "perm"),
    (lambda: mix.mixup_kernel(X4, S4, 0.5, torch.tensor([0, 1, 2, 4])), "perm"),
    (lambda: mix.mixup_kernel(X4, S4, 0.5, torch.arange(4.0)), "perm"),
    (lambda: mix.mixup_kernel(X4, Y4, 0.5, torch.arange(4)), "y_soft"),
    (lambda: mix.cutmix_kernel(X4, S4, (0, 0, 17, 5), torch.arange(4)), "box"),
    (lambda: mix.cutmix_kernel(X4, S4, (5, 0, 2, 5), torch.arange(4)), "box"),
    (lambda: mix.cutmix_kernel(X4, S4, (0, 0, 2), torch.arange(4)), "box"),
    (lambda: mix.cutmix_kernel(X4, S4, torch.zeros(3, 4, dtype=torch.long), torch.arange(4)), "box"),
    (lambda: mix.cutmix_kernel(X4, S4, torch.zeros(1, 4), torch.arange(4)), "box"),
    (lambda: mix.soft_cross_entropy(torch.randn(4, K), Y4), "soft_targets"),
    (lambda: mix.soft_cross_entropy(torch.randn(4, K), S4[:, :5]), "soft_targets"),
    (lambda: mix.soft_cross_entropy(torch.randn(4, K), S4, reduction="avg"), "reduction"),
    (lambda: mix.soft_target(0.7, 3, 10, 10), "j"),
    (lambda: mix.soft_target(0.7, -1, 2, 10), "i"),
    (lambda: mix.soft_target(1.2, 3, 7, 10), "lam"),
    (lambda: mix.one_hot(torch.tensor([0.0, 1.0]), 2), "y"),
    (lambda: mix.sample_mixup_or_cutmix_params(4, 8, 8, cutmix_prob=2), "cutmix_prob"),
    (lambda: mix.MixUp(alpha=float("nan")), "alpha"),
    (lambda: mix.CutMix(mode="pair", partner="roll"), "partner"),
    (lambda: mix.MixUpOrCutMix(cutmix_prob=-0.1), "cutmix_prob"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
