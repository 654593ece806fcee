// Cross entropy, nll and multi-margin against PyTorch 1.13 (tests/golden/losses.py).
#include <cmath>

#include "golden/losses_check.hpp"

using namespace wengert;
using namespace golden;

TEST_SUITE("losses: cross entropy") {
    TEST_CASE("class-index targets match PyTorch for every reduction and dtype") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor x = as_tensor(kLogits, dtype);
            Tensor y = as_labels(kTargets);
            Tensor w = as_tensor(kClassWeight, dtype);
            check_values(cross_entropy(x, y, {.reduction = Reduction::none}), kCrossEntropy_none,
                         eps);
            check_values(cross_entropy(x, y), kCrossEntropy_mean, eps);
            check_values(cross_entropy(x, y, "sum"), kCrossEntropy_sum, eps);
            check_values(cross_entropy(x, y, {.weight = w, .reduction = Reduction::none}),
                         kCrossEntropyWeighted_none, eps);
            check_values(cross_entropy(x, y, {.weight = w}), kCrossEntropyWeighted_mean, eps);
            check_values(cross_entropy(x, y, {.weight = w, .reduction = Reduction::sum}),
                         kCrossEntropyWeighted_sum, eps);
        }
    }

    TEST_CASE("ignore_index and class weights change the mean's divisor as PyTorch does") {
        Tensor x = as_tensor(kLogits);
        Tensor y = as_labels(kIgnoredTargets);
        Tensor w = as_tensor(kClassWeight);
        check_values(cross_entropy(x, y), kCrossEntropyIgnored_mean);
        check_values(cross_entropy(x, y, {.weight = w}), kCrossEntropyIgnoredWeighted_mean);
        check_values(cross_entropy(x, y, {.weight = w, .reduction = Reduction::none}),
                     kCrossEntropyIgnoredWeighted_none);
        // By hand: the weighted mean is sum(w[y] * nll) / sum(w[y]) over kept rows, not / N.
        std::vector<double> per =
            cross_entropy(x, y, {.weight = w, .reduction = Reduction::none}).to_vector();
        const double divisor = 1.0 + 0.25 + 2.0;  // w[1] + w[4] + w[2]; row 1 is ignored
        CHECK(per[1] == 0.0);
        CHECK(cross_entropy(x, y, {.weight = w}).item() ==
              doctest::Approx((per[0] + per[2] + per[3]) / divisor));
        // A custom ignore_index.
        Tensor y7 = tensor({1, 7, 4, 2}, {4}, kInt64);
        CHECK(cross_entropy(x, y7, {.ignore_index = 7}).item() ==
              doctest::Approx(cross_entropy(x, y).item()));
        // All targets ignored: 0 / 0, as in PyTorch.
        Tensor none_kept = tensor({-100, -100}, {2}, kInt64);
        CHECK(std::isnan(cross_entropy(zeros({2, 3}, kFloat64), none_kept).item()));
    }

    TEST_CASE("label_smoothing 0.1 matches PyTorch, with weights and ignored targets") {
        Tensor x = as_tensor(kLogits);
        check_values(cross_entropy(x, as_labels(kTargets), {.label_smoothing = 0.1}),
                     kCrossEntropySmoothed_mean);
        check_values(cross_entropy(x, as_labels(kIgnoredTargets),
                                   {.weight = as_tensor(kClassWeight), .label_smoothing = 0.1}),
                     kCrossEntropySmoothedWeightedIgnored_mean);
        check_values(cross_entropy(x, as_labels(kIgnoredTargets),
                                   {.reduction = Reduction::none, .label_smoothing = 0.1}),
                     kCrossEntropySmoothed_none);
        // A known case by hand: two classes with equal logits give log 2 for any smoothing.
        Tensor even = zeros({1, 2}, kFloat64);
        Tensor label = tensor({0}, {1}, kInt64);
        CHECK(cross_entropy(even, label, {.label_smoothing = 0.1}).item() ==
              doctest::Approx(std::log(2.0)));
    }

    TEST_CASE("logits of 1000 stay finite") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            Tensor x = as_tensor(kLargeLogits, dtype).requires_grad_();
            Tensor y = tensor({2, 2}, {2}, kInt64);
            Tensor loss = cross_entropy(x, y, {.reduction = Reduction::none});
            check_values(loss, kCrossEntropyLarge_none, dtype == kFloat64 ? 1e-12 : 1e-5);
            sum(loss).backward();
            for (double g : x.grad().to_vector()) {
                CHECK(std::isfinite(g));
            }
        }
    }

    TEST_CASE("probability targets match PyTorch, with weights and smoothing") {
        Tensor x = as_tensor(kLogits);
        Tensor t = as_tensor(kSoftTargets);
        check_values(cross_entropy(x, t), kCrossEntropySoft_mean);
        check_values(cross_entropy(x, t, "none"), kCrossEntropySoft_none);
        check_values(
            cross_entropy(x, t, {.weight = as_tensor(kClassWeight), .label_smoothing = 0.2}),
            kCrossEntropySoftWeightedSmoothed_mean);
    }

    TEST_CASE("(N, C, d) inputs with ignored positions") {
        Tensor x = as_tensor(kSpatialLogits);
        Tensor y = as_labels(kSpatialTargets);
        check_values(cross_entropy(x, y, {.reduction = Reduction::none}),
                     kCrossEntropySpatial_none);
        check_values(cross_entropy(x, y, {.weight = tensor({1, 2, 3}, {3}, kFloat64)}),
                     kCrossEntropySpatialWeighted_mean);
    }

    TEST_CASE("an unbatched (C) input takes a 0-d target") {
        Tensor x = as_tensor(kLogits);
        std::vector<double> per = cross_entropy(x, as_labels(kTargets), "none").to_vector();
        Tensor row = tensor({kLogits.values.begin(), kLogits.values.begin() + 5}, {5}, kFloat64);
        CHECK(cross_entropy(row, tensor({1}, {}, kInt64)).item() == doctest::Approx(per[0]));
    }

    TEST_CASE("nll_loss on log-probabilities matches PyTorch") {
        Tensor logp = log_softmax(as_tensor(kLogits), 1);
        Tensor y = as_labels(kIgnoredTargets);
        check_values(nll_loss(logp, y, {.weight = as_tensor(kClassWeight)}),
                     kNllWeightedIgnored_mean);
        check_values(nll_loss(logp, y, "sum"), kNllIgnored_sum);
    }

    TEST_CASE("multi_margin_loss matches PyTorch for p = 1 and 2") {
        Tensor x = as_tensor(kLogits);
        Tensor y = as_labels(kTargets);
        Tensor w = as_tensor(kClassWeight);
        check_values(multi_margin_loss(x, y, 1, 0.7, Tensor(), Reduction::none),
                     kMultiMargin_p1_none);
        check_values(multi_margin_loss(x, y, 2, 0.7, Tensor(), "none"), kMultiMargin_p2_none);
        check_values(multi_margin_loss(x, y, 1, 0.7, w), kMultiMarginWeighted_p1_mean);
        check_values(multi_margin_loss(x, y, 2, 0.7, w), kMultiMarginWeighted_p2_mean);
    }

    TEST_CASE("gradcheck and gradgradcheck of cross_entropy for every reduction") {
        Tensor x = as_tensor(kLogits).requires_grad_();
        Tensor soft = as_tensor(kSoftTargets).requires_grad_();
        for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
            CrossEntropyOptions options{
                .weight = as_tensor(kClassWeight), .reduction = r, .label_smoothing = 0.1};
            auto hard = [options](const TensorList& in) {
                return cross_entropy(in[0], as_labels(kIgnoredTargets), options);
            };
            auto probs = [options](const TensorList& in) {
                return cross_entropy(in[0], in[1], options);
            };
            CHECK(gradcheck(hard, {x}));
            CHECK(gradgradcheck(hard, {x}));
            CHECK(gradcheck(probs, {x, soft}));
            CHECK(gradgradcheck(probs, {x, soft}));
        }
    }

    TEST_CASE("bad targets and options are rejected with the values named") {
        Tensor x = zeros({2, 3});
        CHECK_THROWS_WITH_AS(cross_entropy(x, tensor({0, 3}, {2}, kInt64)),
                             doctest::Contains("target 3"), std::out_of_range);
        CHECK_THROWS_WITH_AS(cross_entropy(x, tensor({-1, 0}, {2}, kInt64)),
                             doctest::Contains("3 classes"), std::out_of_range);
        CHECK_THROWS_WITH_AS(nll_loss(x, tensor({0, 5}, {2}, kInt64)),
                             doctest::Contains("target 5"), std::out_of_range);
        CHECK_THROWS_WITH_AS(cross_entropy(x, tensor({0, 1, 2}, {3}, kInt64)),
                             doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(cross_entropy(x, zeros({3, 2})), doctest::Contains("(3, 2)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(cross_entropy(x, tensor({0, 1}, {2}, kInt64), {.weight = ones({2})}),
                             doctest::Contains("(2)"), ShapeError);
        CHECK_THROWS_WITH_AS(cross_entropy(x, tensor({0, 1}, {2}, kInt64), "avg"),
                             doctest::Contains("\"avg\""), std::invalid_argument);
        CHECK_THROWS_WITH_AS(
            cross_entropy(x, tensor({0, 1}, {2}, kInt64), {.label_smoothing = 1.5}),
            doctest::Contains("1.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(multi_margin_loss(x, tensor({0, 1}, {2}, kInt64), 3),
                             doctest::Contains("got 3"), std::invalid_argument);
    }
}
