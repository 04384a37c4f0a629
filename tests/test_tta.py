"""helpers.tta: one forward pass for all views, agreement with a per-view loop built from
torchvision v2 functional ops, mean/gmean merging, model mode restored, latency arithmetic."""

import time

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms.v2 import functional as TF

from helpers import tta

K = 5


class SmallNet(nn.Module):
    """Conv + BatchNorm + Dropout: its output depends on the mode, so a wrong mode shows."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(8 * 4, K))
        with torch.no_grad():
            self.features[1].running_mean.uniform_(-0.2, 0.2)
            self.features[1].running_var.uniform_(0.5, 2.0)
            self.head[1].weight.mul_(20.0)  # confident, view-dependent predictions

    def forward(self, x):
        # Position-sensitive pooling, so flips and crops change the logits.
        return self.head(F.adaptive_avg_pool2d(self.features(x), 2).flatten(1))


class Recording(nn.Module):
    """Wraps a model; records the batch size and training flag of every forward call."""

    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, []

    def forward(self, x):
        self.calls.append((x.shape[0], self.training, self.net.head.training))
        return self.net(x)


def images(b=3, h=20, w=24, seed=1):
    return torch.rand(b, 3, h, w, generator=torch.Generator().manual_seed(seed))


def torchvision_views(x, crop_frac=0.875):
    """The views of ("identity", "hflip", "vflip", "hvflip", "scale:0.8", "five_crop"),
    built with torchvision's functional ops, one at a time."""
    h, w = x.shape[-2:]
    ch, cw = round(crop_frac * h), round(crop_frac * w)
    views = [x, TF.horizontal_flip(x), TF.vertical_flip(x), TF.vertical_flip(TF.horizontal_flip(x))]
    views.append(TF.resize(TF.center_crop(x, [round(0.8 * h), round(0.8 * w)]), [h, w]))
    views += [TF.resize(c, [h, w]) for c in TF.five_crop(x, [ch, cw])]
    return views


VIEWS = ["identity", "hflip", "vflip", "hvflip", "scale:0.8", "five_crop"]


def looped_probs(net, views):
    net.train(False)
    with torch.no_grad():
        return [F.softmax(net(v), dim=-1) for v in views]


def test_all_views_go_through_one_forward_pass():
    model = Recording(SmallNet())
    x = images(b=3)
    probs = tta.tta_predict(model, x, views=VIEWS)
    assert len(model.calls) == 1 and model.calls[0][0] == 10 * 3
    assert probs.shape == (3, K) and probs.dtype == torch.float32
    torch.testing.assert_close(probs.sum(-1), torch.ones(3))


def test_matches_a_looped_per_view_computation_with_torchvision_ops():
    net, x = SmallNet(), images(b=3)
    ref = torch.stack(looped_probs(net, torchvision_views(x))).mean(0)
    net.train(True)
    # Bilinear upsampling: torchvision's antialiased kernel and F.interpolate agree to ~1e-7.
    torch.testing.assert_close(tta.tta_predict(net, x, views=VIEWS), ref, atol=1e-5, rtol=0)


def test_views_match_torchvision_pixels():
    x = images(b=2)
    ours = tta.tta_views(x, VIEWS)
    ref = torchvision_views(x)
    assert ours.shape == (len(ref), 2, 3, 20, 24)
    for i in range(4):
        assert torch.equal(ours[i], ref[i])
    for i in range(4, len(ref)):
        torch.testing.assert_close(ours[i], ref[i], atol=1e-5, rtol=0)


@pytest.mark.parametrize("frac", [0.74, 0.7])
def test_odd_sizes_follow_torchvision_centre_rounding(frac):
    # 23 x 27 leaves odd margins (e.g. 7 pixels), where torchvision rounds the half pixel.
    x = images(b=2, h=23, w=27)
    ch, cw = round(frac * 23), round(frac * 27)
    ours = tta.tta_views(x, [f"scale:{frac}", f"five_crop:{frac}"])
    ref = [TF.resize(TF.center_crop(x, [ch, cw]), [23, 27])]
    ref += [TF.resize(c, [23, 27]) for c in TF.five_crop(x, [ch, cw])]
    for a, b in zip(ours, ref, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_ten_crop_follows_torchvision_order():
    x = images(b=1, h=16, w=16)
    ours = tta.tta_views(x, "ten_crop:0.75")
    ref = [TF.resize(c, [16, 16]) for c in TF.ten_crop(x, [12, 12])]
    assert ours.shape[0] == 10
    for a, b in zip(ours, ref, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_gmean_is_the_normalised_geometric_mean():
    net, x = SmallNet(), images(b=4)
    per_view = torch.stack(looped_probs(net, torchvision_views(x)[:4]))
    gmean = tta.tta_predict(net, x, views="flips", merge="gmean")
    geo = per_view.log().mean(0).exp()
    torch.testing.assert_close(gmean, geo / geo.sum(-1, keepdim=True), atol=1e-6, rtol=0)
    torch.testing.assert_close(gmean.sum(-1), torch.ones(4))
    mean = tta.tta_predict(net, x, views="flips", merge="mean")
    assert (gmean - mean).abs().max() > 1e-4  # the views disagree, so the merges differ
    # Identical views: both merges give the single-view softmax.
    single = per_view[0]
    for merge in ("mean", "gmean"):
        same = tta.tta_predict(net, x, views=["identity", "identity"], merge=merge)
        torch.testing.assert_close(same, single, atol=1e-6, rtol=0)


def test_chunked_forward_gives_the_same_result():
    model, x = Recording(SmallNet()), images(b=3)
    full = tta.tta_predict(model, x, views="flips")
    chunked = tta.tta_predict(model, x, views="flips", chunk_size=5)
    assert [c[0] for c in model.calls] == [12, 5, 5, 2]
    torch.testing.assert_close(chunked, full, atol=1e-6, rtol=0)


def test_single_image_and_callable_views():
    net, x = SmallNet(), images(b=1)
    probs = tta.tta_predict(net, x[0], views=["identity", lambda v: v.flip(-1)])
    assert probs.shape == (K,)
    torch.testing.assert_close(probs, tta.tta_predict(net, x, views="flip")[0])
    assert tta.tta_views(x[0], "flips").shape == (4, 3, 20, 24)


def test_dihedral_views_are_the_eight_symmetries_of_the_square():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    views = tta.tta_views(x, "dihedral")
    assert views.shape == (8, 1, 1, 4, 4)
    assert len({tuple(v.flatten().tolist()) for v in views}) == 8
    for v in views:  # each view only moves pixels
        assert torch.equal(v.flatten().sort().values, x.flatten())
    assert torch.equal(views[1, 0, 0], torch.rot90(x[0, 0], 1))


def test_inference_mode_inside_and_every_submodule_mode_restored():
    model = Recording(SmallNet())
    model.train(True)
    model.net.head.train(False)  # a partly frozen model
    tta.tta_predict(model, images(), views="flip")
    assert model.calls == [(6, False, False)]
    assert model.training and model.net.features.training and not model.net.head.training
    model.train(False)
    tta.tta_predict(model, images(), views="flip")
    assert not model.training


def test_mode_restored_when_the_model_fails():
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    model = Broken().train(True)
    with pytest.raises(RuntimeError, match="boom"):
        tta.tta_predict(model, images())
    assert model.training


def test_max_views_drill_d4():
    assert tta.max_views(50, 12) == 4
    assert tta.max_views(48, 12) == 4
    assert tta.max_views(0.3, 0.1) == 3  # 0.3 / 0.1 is 2.9999999999999996 in floats
    assert tta.max_views(100, 12.5) == 8
    assert tta.max_views(10, 12) == 0


class SleepyNet(nn.Module):
    """Takes ``ms_per_image`` milliseconds per image in the batch (a stand-in for real work)."""

    def __init__(self, ms_per_image):
        super().__init__()
        self.ms_per_image = ms_per_image

    def forward(self, x):
        time.sleep(self.ms_per_image * x.shape[0] / 1000)
        return torch.zeros(x.shape[0], K)


def test_measured_latency_and_views():
    x = images(b=1)
    assert tta.measure_latency_ms(SleepyNet(10), x, repeat=3, warmup=1) >= 10
    # 10 ms per view: 4 views take 40 ms and fit 45 ms; 5 views take 50 ms and do not.
    assert tta.max_views_measured(SleepyNet(10), x, 45, repeat=3, warmup=1) == 4
    assert tta.max_views_measured(SleepyNet(10), x, 5, repeat=1, warmup=0) == 0


def test_measured_views_capped_by_max_k():
    class Constant(nn.Module):  # batching is free: every K fits
        def forward(self, x):
            return torch.zeros(x.shape[0], K)

    assert tta.max_views_measured(Constant(), images(b=1), 1000, max_k=6, repeat=1, warmup=0) == 6


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_runs_on_the_device():
    net, x = SmallNet(), images(b=3)
    cpu = tta.tta_predict(net, x, views=VIEWS)
    gpu = tta.tta_predict(net.cuda(), x.cuda(), views=VIEWS)
    assert gpu.is_cuda
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=0)
    assert tta.measure_latency_ms(net, x.cuda(), repeat=2, warmup=1) > 0


NET, X = SmallNet(), images()


@pytest.mark.parametrize("call, name", [
    (lambda: tta.tta_predict(NET, X, views="mirror"), "views"),
    (lambda: tta.tta_predict(NET, X, views=["scale:1.5"]), "views"),
    (lambda: tta.tta_predict(NET, X, views=["scale:0"]), "views"),
    (lambda: tta.tta_predict(NET, X, views=["scale"]), "views"),
    (lambda: tta.tta_predict(NET, X, views=["five_crop:abc"]), "views"),
    (lambda: tta.tta_predict(NET, X, views=["rot90"]), "views"),
    (lambda: tta.tta_predict(NET, X, views=[]), "views"),
    (lambda: tta.tta_predict(NET, X, views=[3]), "views"),
    (lambda: tta.tta_predict(NET, X, views=[lambda v: v[..., :5]]), "views"),
    (lambda: tta.tta_predict(NET, X, merge="median"), "merge"),
    (lambda: tta.tta_predict(NET, X, chunk_size=0), "chunk_size"),
    (lambda: tta.tta_predict(NET, (X * 255).to(torch.uint8)), "x"),
    (lambda: tta.tta_predict(NET, X[0, 0]), "x"),
    (lambda: tta.tta_predict(NET, X.numpy()), "x"),
    (lambda: tta.tta_predict(lambda v: v.mean(), X), "model"),
    (lambda: tta.tta_predict(lambda v: torch.zeros(1, K), X), "model"),
    (lambda: tta.tta_predict(None, X), "model"),
    (lambda: tta.max_views(0, 12), "budget_ms"),
    (lambda: tta.max_views(-50, 12), "budget_ms"),
    (lambda: tta.max_views(float("nan"), 12), "budget_ms"),
    (lambda: tta.max_views("50", 12), "budget_ms"),
    (lambda: tta.max_views(50, 0), "single_pass_ms"),
    (lambda: tta.max_views(50, float("inf")), "single_pass_ms"),
    (lambda: tta.max_views(True, 12), "budget_ms"),
    (lambda: tta.measure_latency_ms(NET, X, repeat=0), "repeat"),
    (lambda: tta.max_views_measured(NET, X, 50, max_k=0), "max_k"),
    (lambda: tta.max_views_measured(NET, X, -1), "budget_ms"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
