#include "contrastive.hpp"

#include "loss_kernel.hpp"

namespace wengert {

namespace {

void require_views(const char* op, const Tensor& z1, const Tensor& z2, std::size_t min_batch) {
    detail::require_pair(op, z1, z2, "z1", "z2");
    detail::require<ShapeError>(z1.dim() == 2 && z1.shape()[0] >= min_batch,
                                "{}: views must have shape (N, D) with N >= {}; got {}", op,
                                min_batch, shape_string(z1.shape()));
}

// Per-feature batch normalisation without affine parameters, as BatchNorm1d(affine=False)
// computes it in training mode.
Tensor batch_normalise(const Tensor& z) {
    Tensor centred = sub(z, mean(z, {0}, true));               // (N, D)
    Tensor variance = mean(mul(centred, centred), {0}, true);  // (1, D), biased
    return div(centred, sqrt(add(variance, 1e-5)));
}

}  // namespace

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature, Reduction reduction) {
    const char* op = "nt_xent_loss";
    require_views(op, z1, z2, 1);
    detail::require(temperature > 0, "nt_xent_loss: temperature must be positive; got {}",
                    temperature);
    const std::size_t n = z1.shape()[0];

    Tensor z = concat({z1, z2}, 0);                                               // (2N, D)
    Tensor norms = clamp_min(sqrt(sum(mul(z, z), {1}, true)), 1e-12);  // (2N, 1)
    Tensor unit = div(z, norms);
    Tensor similarity = div(matmul(unit, transpose(unit, 0, 1)), temperature);  // (2N, 2N)

    // Self-similarity is masked out by a large finite offset rather than -inf: exp of it is
    // 0, so log_softmax stays finite and its gradient free of NaN.
    Tensor eye = detail::eye_like(2 * n, z1);
    Tensor logp = log_softmax(sub(similarity, mul(eye, 1e9)), 1);
    Tensor positives = zeros({2 * n, 1}, kInt64);  // row i's positive is column (i + n) mod 2N
    std::int64_t* column = positives.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < 2 * n; ++i) {
        column[i] = static_cast<std::int64_t>((i + n) % (2 * n));
    }
    Tensor losses = neg(reshape(gather(logp, 1, positives), {-1}));  // (2N)
    return detail::reduce_loss(op, losses, reduction);
}

Tensor barlow_twins_loss(const Tensor& z1, const Tensor& z2, double lambda) {
    const char* op = "barlow_twins_loss";
    require_views(op, z1, z2, 2);
    const std::size_t n = z1.shape()[0];
    const std::size_t d = z1.shape()[1];

    Tensor c = div(matmul(transpose(batch_normalise(z1), 0, 1), batch_normalise(z2)),
                   static_cast<double>(n));  // (D, D)
    Tensor eye = detail::eye_like(d, z1);
    Tensor diagonal = sum(mul(c, eye), {1});  // (D)
    Tensor on = sum(pow(sub(1.0, diagonal), 2.0));
    Tensor off = sum(mul(mul(c, c), sub(1.0, eye)));
    return add(on, mul(off, lambda));
}

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature,
                    std::string_view reduction) {
    return nt_xent_loss(z1, z2, temperature, detail::parse_reduction("nt_xent_loss", reduction));
}

}  // namespace wengert
