"""Reference values for tests/test_losses_*.cpp from PyTorch 1.13.

Run with /usr/bin/python3 tests/golden/losses.py > tests/golden/losses_golden.hpp
The inputs are drawn from a seeded generator and written out next to the expected values,
so the C++ tests rebuild exactly the tensors used here. Tests never import torch.
"""
import torch
import torch.nn.functional as F

torch.manual_seed(20260412)
torch.set_default_dtype(torch.float64)
out = []


def emit(name, t):
    t = torch.as_tensor(t, dtype=torch.float64).detach()
    values = ", ".join(repr(float(v)) for v in t.flatten().tolist())
    shape = ", ".join(str(s) for s in t.shape)
    out.append(f"inline const Golden {name}{{{{{values}}}, {{{shape}}}}};")


# Classification inputs.
logits = torch.randn(4, 5) * 2
targets = torch.tensor([1, 0, 4, 2])
weight = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.25])
ignored = torch.tensor([1, -100, 4, 2])
emit("kLogits", logits)
emit("kTargets", targets)
emit("kIgnoredTargets", ignored)
emit("kClassWeight", weight)
for red in ["none", "mean", "sum"]:
    emit(f"kCrossEntropy_{red}", F.cross_entropy(logits, targets, reduction=red))
    emit(f"kCrossEntropyWeighted_{red}",
         F.cross_entropy(logits, targets, weight=weight, reduction=red))
emit("kCrossEntropyIgnored_mean", F.cross_entropy(logits, ignored))
emit("kCrossEntropyIgnoredWeighted_mean", F.cross_entropy(logits, ignored, weight=weight))
emit("kCrossEntropyIgnoredWeighted_none",
     F.cross_entropy(logits, ignored, weight=weight, reduction="none"))
emit("kCrossEntropySmoothed_mean", F.cross_entropy(logits, targets, label_smoothing=0.1))
emit("kCrossEntropySmoothedWeightedIgnored_mean",
     F.cross_entropy(logits, ignored, weight=weight, label_smoothing=0.1))
emit("kCrossEntropySmoothed_none",
     F.cross_entropy(logits, ignored, label_smoothing=0.1, reduction="none"))
large = torch.tensor([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0]])
emit("kLargeLogits", large)
emit("kCrossEntropyLarge_none", F.cross_entropy(large, torch.tensor([2, 2]), reduction="none"))
soft = torch.softmax(torch.randn(4, 5), dim=1)
emit("kSoftTargets", soft)
emit("kCrossEntropySoft_mean", F.cross_entropy(logits, soft))
emit("kCrossEntropySoftWeightedSmoothed_mean",
     F.cross_entropy(logits, soft, weight=weight, label_smoothing=0.2))
emit("kCrossEntropySoft_none", F.cross_entropy(logits, soft, reduction="none"))
spatial = torch.randn(2, 3, 2)
spatial_targets = torch.tensor([[0, 2], [1, -100]])
emit("kSpatialLogits", spatial)
emit("kSpatialTargets", spatial_targets)
emit("kCrossEntropySpatial_none", F.cross_entropy(spatial, spatial_targets, reduction="none"))
emit("kCrossEntropySpatialWeighted_mean",
     F.cross_entropy(spatial, spatial_targets, weight=torch.tensor([1.0, 2.0, 3.0])))
logp = torch.log_softmax(logits, 1)
emit("kNllWeightedIgnored_mean", F.nll_loss(logp, ignored, weight=weight))
emit("kNllIgnored_sum", F.nll_loss(logp, ignored, reduction="sum"))
for p in [1, 2]:
    emit(f"kMultiMargin_p{p}_none",
         F.multi_margin_loss(logits, targets, p=p, margin=0.7, reduction="none"))
    emit(f"kMultiMarginWeighted_p{p}_mean",
         F.multi_margin_loss(logits, targets, p=p, margin=0.7, weight=weight))

# Binary.
probs = torch.rand(3, 4) * 0.9 + 0.05
binary = (torch.rand(3, 4) > 0.5).double()
bweight = torch.rand(4) + 0.5
pos_weight = torch.tensor([1.0, 2.0, 0.5, 3.0])
emit("kProbs", probs)
emit("kBinaryTargets", binary)
emit("kBinaryWeight", bweight)
emit("kPosWeight", pos_weight)
for red in ["none", "mean", "sum"]:
    emit(f"kBce_{red}", F.binary_cross_entropy(probs, binary, reduction=red))
emit("kBceWeighted_mean", F.binary_cross_entropy(probs, binary, weight=bweight))
edge = torch.tensor([0.0, 1.0, 0.0, 1.0])
edge_targets = torch.tensor([1.0, 0.0, 0.0, 1.0])
emit("kBceEdge_none", F.binary_cross_entropy(edge, edge_targets, reduction="none"))
for red in ["none", "mean", "sum"]:
    emit(f"kBceLogits_{red}",
         F.binary_cross_entropy_with_logits(logits[:3, :4], binary, reduction=red))
emit("kBceLogitsWeightedPos_mean",
     F.binary_cross_entropy_with_logits(logits[:3, :4], binary, weight=bweight,
                                        pos_weight=pos_weight))
emit("kBceLogitsLarge_none",
     F.binary_cross_entropy_with_logits(torch.tensor([1000.0, -1000.0, 1000.0]),
                                        torch.tensor([0.0, 1.0, 1.0]), reduction="none"))
# torchvision.ops.sigmoid_focal_loss, written out (torchvision is not installed).


def focal(inputs, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss


emit("kFocal_none", focal(logits[:3, :4], binary))
emit("kFocalAlphaOff_mean", focal(logits[:3, :4], binary, alpha=-1, gamma=1.5).mean())
kl_input = torch.log_softmax(torch.randn(3, 4), 1)
kl_target = torch.softmax(torch.randn(3, 4), 1)
kl_target[0, 1] = 0.0
emit("kKlInput", kl_input)
emit("kKlTarget", kl_target)
for red in ["none", "mean", "sum", "batchmean"]:
    emit(f"kKl_{red}", F.kl_div(kl_input, kl_target, reduction=red))
emit("kKlLogTarget_batchmean",
     F.kl_div(kl_input, torch.log_softmax(torch.ones(3, 4) + kl_input, 1),
              reduction="batchmean", log_target=True))

# Regression.
pred = torch.randn(3, 4) * 2
target = torch.randn(3, 4)
emit("kPred", pred)
emit("kTarget", target)
for red in ["none", "mean", "sum"]:
    emit(f"kMse_{red}", F.mse_loss(pred, target, reduction=red))
    emit(f"kL1_{red}", F.l1_loss(pred, target, reduction=red))
for b, tag in [(0.5, "05"), (2.0, "2")]:
    emit(f"kSmoothL1_b{tag}_none", F.smooth_l1_loss(pred, target, reduction="none", beta=b))
    emit(f"kHuber_d{tag}_none", F.huber_loss(pred, target, reduction="none", delta=b))
emit("kLogCosh_none", torch.log(torch.cosh(pred - target)))

# Embedding and ranking.
x1 = torch.randn(4, 3)
x2 = torch.randn(4, 3)
x3 = torch.randn(4, 3)
pm = torch.tensor([1.0, -1.0, -1.0, 1.0])
emit("kX1", x1)
emit("kX2", x2)
emit("kX3", x3)
emit("kPlusMinus", pm)
for red in ["none", "mean", "sum"]:
    emit(f"kCosineEmbedding_{red}", F.cosine_embedding_loss(x1, x2, pm, margin=-0.2,
                                                            reduction=red))
emit("kMarginRanking_none", F.margin_ranking_loss(x1[:, 0], x2[:, 0], pm, margin=0.3,
                                                  reduction="none"))
emit("kTriplet_none", F.triplet_margin_loss(x1, x2, x3, margin=1.5, reduction="none"))
emit("kTripletP1Swap_none", F.triplet_margin_loss(x1, x2, x3, margin=1.5, p=1, swap=True,
                                                  reduction="none"))
emit("kTripletP3_mean", F.triplet_margin_loss(x1, x2, x3, margin=1.5, p=3))


# Self-supervised: reference implementations written from the papers.
def nt_xent(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(sim, labels, reduction="none")


def barlow(z1, z2, lambd):
    bn = torch.nn.BatchNorm1d(z1.shape[1], affine=False)
    c = bn(z1).T @ bn(z2) / z1.shape[0]
    on = (torch.diagonal(c) - 1).pow(2).sum()
    off = (c - torch.diag(torch.diagonal(c))).pow(2).sum()
    return on + lambd * off


emit("kNtXent_t05_none", nt_xent(x1, x2, 0.5))
emit("kNtXent_t01_mean", nt_xent(x1, x2, 0.1).mean())
emit("kBarlow_l0051", barlow(x1, x2, 0.0051))
emit("kBarlow_l1", barlow(x1, x2, 1.0))

print("#pragma once")
print("// Generated by tests/golden/losses.py with PyTorch", torch.__version__ + "; do not edit.")
print("#include <cstddef>\n#include <vector>\n")
print("namespace golden {\n")
print("struct Golden {\n    std::vector<double> values;\n    std::vector<std::size_t> shape;\n};\n")
print("// clang-format off")
print("\n".join(out))
print("// clang-format on")
print("\n}  // namespace golden")
