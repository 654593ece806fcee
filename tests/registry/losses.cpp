// Registry entries: every loss with respect to its predictions, and to targets and weights
// where they are differentiable, for each reduction; the regularizers.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

struct Input {
    Shape shape;
    Domain domain = Domain::any;
};

Sample inputs(std::string label, std::vector<Input> specs) {
    return {std::move(label), [specs](Generator& g) {
                TensorList result;
                for (const Input& spec : specs) {
                    result.push_back(sample_tensor(spec.shape, spec.domain, g));
                }
                return result;
            }};
}

const std::vector<std::pair<Reduction, std::string>> kReductions = {
    {Reduction::none, "none"}, {Reduction::mean, "mean"}, {Reduction::sum, "sum"}};

Tensor labels(std::vector<double> values, Shape shape) {
    return tensor(std::move(values), std::move(shape), kInt64);
}

void register_regression(std::vector<OpEntry>& r) {
    auto pair = [] {
        return std::vector<Sample>{inputs("(3,4)", {{{3, 4}}, {{3, 4}}}),
                                   inputs("scalar", {{{}}, {{}}})};
    };
    for (const auto& [red, tag] : kReductions) {
        r.push_back({"mse_loss " + tag,
                     [red](const TensorList& x) { return mse_loss(x[0], x[1], red); }, pair()});
        r.push_back({"l1_loss " + tag,
                     [red](const TensorList& x) { return l1_loss(x[0], x[1], red); }, pair()});
        r.push_back({"smooth_l1_loss beta 0.5 " + tag,
                     [red](const TensorList& x) { return smooth_l1_loss(x[0], x[1], red, 0.5); },
                     pair()});
        r.push_back({"huber_loss delta 2 " + tag,
                     [red](const TensorList& x) { return huber_loss(x[0], x[1], red, 2.0); },
                     pair()});
        r.push_back({"log_cosh_loss " + tag,
                     [red](const TensorList& x) { return log_cosh_loss(x[0], x[1], red); },
                     pair()});
    }
    r.push_back({"log_cosh",
                 [](const TensorList& x) { return log_cosh(mul(x[0], 3.0)); },
                 {sample("(3,4)", {{3, 4}}), sample("scalar", {{}})}});
}

void register_classification(std::vector<OpEntry>& r) {
    for (const auto& [red, tag] : kReductions) {
        r.push_back({"cross_entropy weight, ignore_index, label_smoothing " + tag,
                     [red](const TensorList& x) {
                         return cross_entropy(
                             x[0], labels({1, -100, 3}, {3}),
                             {.weight = x[1], .reduction = red, .label_smoothing = 0.1});
                     },
                     {inputs("(3,4)", {{{3, 4}}, {{4}, Domain::positive}})}});
        r.push_back(
            {"cross_entropy (N,C,d) " + tag,
             [red](const TensorList& x) {
                 return cross_entropy(x[0], labels({0, 2, 1, 1}, {2, 2}), {.reduction = red});
             },
             {sample("(2,3,2)", {{2, 3, 2}})}});
        r.push_back(
            {"cross_entropy probabilities " + tag,
             [red](const TensorList& x) {
                 return cross_entropy(x[0], x[1],
                                      {.weight = x[2], .reduction = red, .label_smoothing = 0.2});
             },
             {inputs("(3,4)",
                     {{{3, 4}}, {{3, 4}, Domain::unit_interval}, {{4}, Domain::positive}})}});
        r.push_back({"nll_loss " + tag,
                     [red](const TensorList& x) {
                         return nll_loss(x[0], labels({2, 0, -100}, {3}),
                                         {.weight = x[1], .reduction = red});
                     },
                     {inputs("(3,4)", {{{3, 4}}, {{4}, Domain::positive}})}});
        for (int p : {1, 2}) {
            r.push_back(
                {"multi_margin_loss p " + std::to_string(p) + " " + tag,
                 [red, p](const TensorList& x) {
                     return multi_margin_loss(x[0], labels({2, 0, 3}, {3}), p, 0.8, x[1], red);
                 },
                 {inputs("(3,4)", {{{3, 4}}, {{4}, Domain::positive}})}});
        }
        r.push_back(
            {"binary_cross_entropy " + tag,
             [red](const TensorList& x) { return binary_cross_entropy(x[0], x[1], x[2], red); },
             {inputs("(3,4)", {{{3, 4}, Domain::unit_interval},
                               {{3, 4}, Domain::unit_interval},
                               {{4}, Domain::positive}})}});
        r.push_back({"binary_cross_entropy_with_logits pos_weight " + tag,
                     [red](const TensorList& x) {
                         return binary_cross_entropy_with_logits(x[0], x[1], x[2], red, x[3]);
                     },
                     {inputs("(3,4)", {{{3, 4}},
                                       {{3, 4}, Domain::unit_interval},
                                       {{4}, Domain::positive},
                                       {{4}, Domain::positive}})}});
        r.push_back(
            {"sigmoid_focal_loss " + tag,
             [red](const TensorList& x) { return sigmoid_focal_loss(x[0], x[1], 0.25, 2.0, red); },
             {inputs("(3,4)", {{{3, 4}}, {{3, 4}, Domain::unit_interval}})}});
        r.push_back({"kl_div " + tag,
                     [red](const TensorList& x) { return kl_div(x[0], x[1], red); },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}, Domain::positive}})}});
        r.push_back({"kl_div log_target " + tag,
                     [red](const TensorList& x) { return kl_div(x[0], x[1], red, true); },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}}})}});
    }
    r.push_back({"kl_div batchmean",
                 [](const TensorList& x) { return kl_div(x[0], x[1], Reduction::batchmean); },
                 {inputs("(3,4)", {{{3, 4}}, {{3, 4}, Domain::positive}})}});
}

void register_embedding(std::vector<OpEntry>& r) {
    for (const auto& [red, tag] : kReductions) {
        r.push_back({"cosine_embedding_loss " + tag,
                     [red](const TensorList& x) {
                         return cosine_embedding_loss(
                             x[0], x[1], tensor({1, -1, -1}, {3}, kFloat64), -0.5, red);
                     },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}}})}});
        r.push_back(
            {"margin_ranking_loss " + tag,
             [red](const TensorList& x) { return margin_ranking_loss(x[0], x[1], x[2], 0.5, red); },
             {inputs("(5)", {{{5}}, {{5}}, {{5}}})}});
        r.push_back({"triplet_margin_loss p 2 " + tag,
                     [red](const TensorList& x) {
                         return triplet_margin_loss(x[0], x[1], x[2], 2.0, 2, 1e-6, false, red);
                     },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}}, {{3, 4}}})}});
        r.push_back({"triplet_margin_loss p 1 swap " + tag,
                     [red](const TensorList& x) {
                         return triplet_margin_loss(x[0], x[1], x[2], 3.0, 1, 1e-6, true, red);
                     },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}}, {{3, 4}}})}});
        r.push_back({"triplet_margin_loss p 3 " + tag,
                     [red](const TensorList& x) {
                         return triplet_margin_loss(x[0], x[1], x[2], 2.0, 3, 1e-6, false, red);
                     },
                     {inputs("(4)", {{{4}}, {{4}}, {{4}}})}});
        r.push_back({"nt_xent_loss " + tag,
                     [red](const TensorList& x) { return nt_xent_loss(x[0], x[1], 0.5, red); },
                     {inputs("(3,4)", {{{3, 4}}, {{3, 4}}})}});
    }
    r.push_back({"barlow_twins_loss",
                 [](const TensorList& x) { return barlow_twins_loss(x[0], x[1], 0.1); },
                 {inputs("(4,3)", {{{4, 3}}, {{4, 3}}})}});
}

void register_regularizers(std::vector<OpEntry>& r) {
    auto two = [] {
        return std::vector<Sample>{inputs(
            "(3,4) and (2)", {{{3, 4}, Domain::away_from_zero}, {{2}, Domain::away_from_zero}})};
    };
    r.push_back({"l2_penalty", [](const TensorList& x) { return l2_penalty(x, 0.3); }, two()});
    r.push_back({"l1_penalty", [](const TensorList& x) { return l1_penalty(x, 0.3); }, two()});
    r.push_back(
        {"elastic_net", [](const TensorList& x) { return elastic_net(x, 0.3, 0.5); }, two()});
}

void register_losses(std::vector<OpEntry>& r) {
    register_regression(r);
    register_classification(r);
    register_embedding(r);
    register_regularizers(r);
}

}  // namespace

WENGERT_REGISTER_OPS(register_losses);

}  // namespace wengert::testing
