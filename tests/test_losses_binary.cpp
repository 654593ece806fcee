// Binary cross entropy, focal loss and kl_div against PyTorch 1.13 (tests/golden/losses.py).
#include <cmath>

#include "golden/losses_check.hpp"

using namespace wengert;
using namespace golden;

namespace {

Tensor logits34(Dtype dtype = kFloat64) {
    std::vector<double> v;
    for (std::size_t r = 0; r < 3; ++r) {
        for (std::size_t c = 0; c < 4; ++c) {
            v.push_back(kLogits.values[r * 5 + c]);
        }
    }
    return tensor(v, {3, 4}, dtype);
}

}  // namespace

TEST_SUITE("losses: binary and divergence") {
    TEST_CASE("binary_cross_entropy matches PyTorch, clamping log at -100") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor p = as_tensor(kProbs, dtype);
            Tensor t = as_tensor(kBinaryTargets, dtype);
            check_values(binary_cross_entropy(p, t, Tensor(), Reduction::none), kBce_none, eps);
            check_values(binary_cross_entropy(p, t), kBce_mean, eps);
            check_values(binary_cross_entropy(p, t, Tensor(), "sum"), kBce_sum, eps);
            check_values(binary_cross_entropy(p, t, as_tensor(kBinaryWeight, dtype)),
                         kBceWeighted_mean, eps);
        }
        Tensor edge = tensor({0, 1, 0, 1}, {4}, kFloat64).requires_grad_();
        Tensor loss = binary_cross_entropy(edge, tensor({1, 0, 0, 1}, {4}, kFloat64), Tensor(),
                                           Reduction::none);
        check_values(loss, kBceEdge_none);
        sum(loss).backward();
        for (double g : edge.grad().to_vector()) {
            CHECK(std::isfinite(g));
        }
    }

    TEST_CASE("binary_cross_entropy rejects values outside [0, 1]") {
        Tensor t = zeros({3});
        CHECK_THROWS_WITH_AS(binary_cross_entropy(tensor({0.5, 1.5, 0.2}, {3}), t),
                             doctest::Contains("element 1 is 1.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(binary_cross_entropy(tensor({-0.25, 0.5, 0.2}, {3}), t),
                             doctest::Contains("-0.25"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(binary_cross_entropy(tensor({0.5, NAN, 0.2}, {3}), t),
                             doctest::Contains("nan"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(binary_cross_entropy(zeros({3}), zeros({2})), doctest::Contains("(2)"),
                             ShapeError);
    }

    TEST_CASE("binary_cross_entropy_with_logits matches PyTorch, with weight and pos_weight") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor x = logits34(dtype);
            Tensor t = as_tensor(kBinaryTargets, dtype);
            check_values(binary_cross_entropy_with_logits(x, t, Tensor(), Reduction::none),
                         kBceLogits_none, eps);
            check_values(binary_cross_entropy_with_logits(x, t), kBceLogits_mean, eps);
            check_values(binary_cross_entropy_with_logits(x, t, Tensor(), "sum"), kBceLogits_sum,
                         eps);
            check_values(
                binary_cross_entropy_with_logits(x, t, as_tensor(kBinaryWeight, dtype),
                                                 Reduction::mean, as_tensor(kPosWeight, dtype)),
                kBceLogitsWeightedPos_mean, eps);
            Tensor large = tensor({1000, -1000, 1000}, {3}, dtype);
            check_values(binary_cross_entropy_with_logits(large, tensor({0, 1, 1}, {3}, dtype),
                                                          Tensor(), "none"),
                         kBceLogitsLarge_none, eps);
        }
        CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}),
                                                              Tensor(), Reduction::mean, ones({2})),
                             doctest::Contains("(2)"), ShapeError);
    }

    TEST_CASE("sigmoid_focal_loss matches torchvision's definition") {
        Tensor x = logits34();
        Tensor t = as_tensor(kBinaryTargets);
        check_values(sigmoid_focal_loss(x, t), kFocal_none);
        check_values(sigmoid_focal_loss(x, t, -1.0, 1.5, "mean"), kFocalAlphaOff_mean);
        // gamma = 0 and alpha < 0 is plain binary cross entropy with logits.
        CHECK(sigmoid_focal_loss(x, t, -1.0, 0.0, Reduction::sum).item() ==
              doctest::Approx(binary_cross_entropy_with_logits(x, t, Tensor(), "sum").item()));
    }

    TEST_CASE("kl_div matches PyTorch for every reduction and log_target") {
        Tensor input = as_tensor(kKlInput);
        Tensor target = as_tensor(kKlTarget);
        check_values(kl_div(input, target, Reduction::none), kKl_none);
        check_values(kl_div(input, target), kKl_mean);
        check_values(kl_div(input, target, "sum"), kKl_sum);
        check_values(kl_div(input, target, "batchmean"), kKl_batchmean);
        Tensor log_target = log_softmax(add(input, 1.0), 1);
        check_values(kl_div(input, log_target, Reduction::batchmean, true), kKlLogTarget_batchmean);
        CHECK_THROWS_WITH_AS(kl_div(input, target, "batch"), doctest::Contains("\"batch\""),
                             std::invalid_argument);
    }

    TEST_CASE("gradcheck of the binary losses in every argument that has a gradient") {
        Generator g(3);
        Tensor x = randn({3, 4}, kFloat64, &g).requires_grad_();
        Tensor p = uniform({3, 4}, 0.1, 0.9, kFloat64, &g).requires_grad_();
        Tensor t = uniform({3, 4}, 0.1, 0.9, kFloat64, &g).requires_grad_();
        Tensor w = uniform({4}, 0.5, 1.5, kFloat64, &g).requires_grad_();
        Tensor pw = uniform({4}, 0.5, 3.0, kFloat64, &g).requires_grad_();
        for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
            CHECK(gradcheck(
                [r](const TensorList& in) { return binary_cross_entropy(in[0], in[1], in[2], r); },
                {p, t, w}));
            CHECK(gradcheck(
                [r](const TensorList& in) {
                    return binary_cross_entropy_with_logits(in[0], in[1], in[2], r, in[3]);
                },
                {x, t, w, pw}));
            CHECK(gradcheck(
                [r](const TensorList& in) { return sigmoid_focal_loss(in[0], in[1], 0.3, 2, r); },
                {x, t}));
        }
    }
}
