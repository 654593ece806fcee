#include "embedding.hpp"

#include "loss_kernel.hpp"

namespace wengert {

namespace {

using detail::parse_reduction;

void require_embeddings(const char* op, const Tensor& a, const Tensor& b, const char* a_name,
                        const char* b_name) {
    detail::require_pair(op, a, b, a_name, b_name);
    detail::require<ShapeError>(a.dim() == 1 || a.dim() == 2,
                                "{}: {} must have shape (N, D) or (D); got {}", op, a_name,
                                shape_string(a.shape()));
}

// || x - y + eps ||_p along the last axis.
Tensor pairwise_distance(const Tensor& x, const Tensor& y, double p, double eps) {
    Tensor d = add(sub(x, y), eps);
    if (p == 2) {
        return sqrt(sum(mul(d, d), {-1}));
    }
    Tensor magnitude = abs(d);
    if (p == 1) {
        return sum(magnitude, {-1});
    }
    return pow(sum(pow(magnitude, p), {-1}), 1.0 / p);
}

}  // namespace

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, Reduction reduction) {
    const char* op = "cosine_embedding_loss";
    require_embeddings(op, input1, input2, "input1", "input2");
    detail::require_defined(op, target, "target");
    Shape expected = detail::to_shape(input1.shape());
    expected.pop_back();
    detail::require<ShapeError>(std::ranges::equal(target.shape(), expected),
                                "{}: inputs of shape {} need a target of shape {}; got {}", op,
                                shape_string(input1.shape()), shape_string(expected),
                                shape_string(target.shape()));
    const std::vector<double> labels = target.to_vector();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        detail::require(labels[i] == 1 || labels[i] == -1,
                        "{}: target values must be 1 or -1; element {} is {}", op, i, labels[i]);
    }

    constexpr double kEpsilon = 1e-12;  // PyTorch's, added to each squared norm
    Tensor dot = sum(mul(input1, input2), {-1});
    Tensor norms = mul(add(sum(mul(input1, input1), {-1}), kEpsilon),
                       add(sum(mul(input2, input2), {-1}), kEpsilon));
    Tensor cos = div(dot, sqrt(norms));
    Tensor loss = where(gt(target, 0.0), sub(1.0, cos), relu(sub(cos, margin)));
    return detail::reduce_loss(op, loss, reduction);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, Reduction reduction) {
    const char* op = "margin_ranking_loss";
    detail::require_pair(op, input1, input2, "input1", "input2");
    detail::require_pair(op, input1, target, "input1", "target");
    Tensor loss = relu(add(mul(neg(target), sub(input1, input2)), margin));
    return detail::reduce_loss(op, loss, reduction);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap, Reduction reduction) {
    const char* op = "triplet_margin_loss";
    require_embeddings(op, anchor, positive, "anchor", "positive");
    require_embeddings(op, anchor, negative, "anchor", "negative");
    detail::require(p > 0, "triplet_margin_loss: p must be positive; got {}", p);

    Tensor d_pos = pairwise_distance(anchor, positive, p, eps);
    Tensor d_neg = pairwise_distance(anchor, negative, p, eps);
    if (swap) {
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps));
    }
    Tensor loss = relu(add(sub(d_pos, d_neg), margin));
    return detail::reduce_loss(op, loss, reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, std::string_view reduction) {
    return cosine_embedding_loss(input1, input2, target, margin,
                                 parse_reduction("cosine_embedding_loss", reduction));
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, std::string_view reduction) {
    return margin_ranking_loss(input1, input2, target, margin,
                               parse_reduction("margin_ranking_loss", reduction));
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap,
                           std::string_view reduction) {
    return triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                               parse_reduction("triplet_margin_loss", reduction));
}

}  // namespace wengert
