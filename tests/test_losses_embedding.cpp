// Embedding, ranking and self-supervised losses against PyTorch 1.13 (tests/golden/losses.py).
#include <cmath>

#include "golden/losses_check.hpp"

using namespace wengert;
using namespace golden;

namespace {

Tensor column0(const Golden& g) {
    std::vector<double> v;
    for (std::size_t r = 0; r < g.shape[0]; ++r) {
        v.push_back(g.values[r * g.shape[1]]);
    }
    return tensor(v, {g.shape[0]}, kFloat64);
}

}  // namespace

TEST_SUITE("losses: embedding and ranking") {
    TEST_CASE("cosine_embedding_loss matches PyTorch for every reduction") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor a = as_tensor(kX1, dtype);
            Tensor b = as_tensor(kX2, dtype);
            Tensor y = as_tensor(kPlusMinus, dtype);
            check_values(cosine_embedding_loss(a, b, y, -0.2, Reduction::none),
                         kCosineEmbedding_none, eps);
            check_values(cosine_embedding_loss(a, b, y, -0.2), kCosineEmbedding_mean, eps);
            check_values(cosine_embedding_loss(a, b, y.to(kInt64), -0.2, "sum"),
                         kCosineEmbedding_sum, eps);
        }
        Tensor a = as_tensor(kX1);
        CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, a, tensor({1, 0, 1, 1}, {4})),
                             doctest::Contains("element 1 is 0"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, a, ones({3})), doctest::Contains("(3)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, zeros({4, 2}, kFloat64), ones({4})),
                             doctest::Contains("(4, 2)"), ShapeError);
    }

    TEST_CASE("margin_ranking_loss matches PyTorch") {
        check_values(margin_ranking_loss(column0(kX1), column0(kX2), as_tensor(kPlusMinus), 0.3,
                                         Reduction::none),
                     kMarginRanking_none);
        CHECK_THROWS_WITH_AS(margin_ranking_loss(zeros({4}), zeros({4}), zeros({3})),
                             doctest::Contains("(3)"), ShapeError);
    }

    TEST_CASE("triplet_margin_loss matches PyTorch for p = 2, 1 with swap, and 3") {
        Tensor a = as_tensor(kX1);
        Tensor p = as_tensor(kX2);
        Tensor n = as_tensor(kX3);
        check_values(triplet_margin_loss(a, p, n, 1.5, 2, 1e-6, false, Reduction::none),
                     kTriplet_none);
        check_values(triplet_margin_loss(a, p, n, 1.5, 1, 1e-6, true, "none"), kTripletP1Swap_none);
        check_values(triplet_margin_loss(a, p, n, 1.5, 3), kTripletP3_mean);
        CHECK_THROWS_WITH_AS(triplet_margin_loss(a, p, zeros({4, 2}, kFloat64)),
                             doctest::Contains("(4, 2)"), ShapeError);
        CHECK_THROWS_WITH_AS(triplet_margin_loss(a, p, n, 1.0, 0.0), doctest::Contains("p must"),
                             std::invalid_argument);
    }
}

TEST_SUITE("losses: self-supervised") {
    TEST_CASE("nt_xent_loss matches SimCLR's loss computed with PyTorch") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor z1 = as_tensor(kX1, dtype);
            Tensor z2 = as_tensor(kX2, dtype);
            check_values(nt_xent_loss(z1, z2, 0.5, Reduction::none), kNtXent_t05_none, eps);
            check_values(nt_xent_loss(z1, z2, 0.1), kNtXent_t01_mean, eps);
        }
        // Identical views that are far apart from each other: each positive dominates its row.
        Tensor z = tensor({1, 0, 0, 1}, {2, 2}, kFloat64);
        Tensor z_other = tensor({-1, 0, 0, -1}, {2, 2}, kFloat64);
        CHECK(nt_xent_loss(z, z, 0.05).item() < 1e-8);
        CHECK(nt_xent_loss(z, z_other, 0.05).item() > 10.0);
        CHECK_THROWS_WITH_AS(nt_xent_loss(z, zeros({3, 2}, kFloat64)), doctest::Contains("(3, 2)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(nt_xent_loss(z, z, 0.0), doctest::Contains("temperature"),
                             std::invalid_argument);
    }

    TEST_CASE("barlow_twins_loss matches the authors' definition") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-10 : 1e-4;
            Tensor z1 = as_tensor(kX1, dtype);
            Tensor z2 = as_tensor(kX2, dtype);
            check_values(barlow_twins_loss(z1, z2), kBarlow_l0051, eps);
            check_values(barlow_twins_loss(z1, z2, 1.0), kBarlow_l1, eps);
        }
        CHECK_THROWS_WITH_AS(barlow_twins_loss(zeros({1, 3}), zeros({1, 3})),
                             doctest::Contains("N >= 2"), ShapeError);
    }

    TEST_CASE("gradcheck of the self-supervised losses") {
        Tensor z1 = as_tensor(kX1).requires_grad_();
        Tensor z2 = as_tensor(kX2).requires_grad_();
        for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
            CHECK(
                gradcheck([r](const TensorList& in) { return nt_xent_loss(in[0], in[1], 0.3, r); },
                          {z1, z2}));
        }
        CHECK(gradcheck([](const TensorList& in) { return barlow_twins_loss(in[0], in[1], 0.1); },
                        {z1, z2}));
    }
}
