#include "reduction.hpp"

#include "loss_kernel.hpp"

namespace wengert {

namespace detail {

Reduction parse_reduction(const char* op, std::string_view name, bool allow_batchmean) {
    if (name == "none") {
        return Reduction::none;
    }
    if (name == "mean") {
        return Reduction::mean;
    }
    if (name == "sum") {
        return Reduction::sum;
    }
    if (name == "batchmean" && allow_batchmean) {
        return Reduction::batchmean;
    }
    throw std::invalid_argument(
        fmt::format("{}: unknown reduction \"{}\"; expected \"none\", "
                    "\"mean\" or \"sum\"{}",
                    op, name, allow_batchmean ? " or \"batchmean\"" : ""));
}

Tensor reduce_loss(const char* op, const Tensor& loss, Reduction reduction) {
    switch (reduction) {
        case Reduction::none:
            return loss;
        case Reduction::mean:
            return mean(loss);
        case Reduction::sum:
            return sum(loss);
        case Reduction::batchmean:
            break;
    }
    throw std::invalid_argument(fmt::format(
        "{}: reduction \"batchmean\" is only defined for kl_div; use \"none\", \"mean\" or "
        "\"sum\"",
        op));
}

void require_pair(const char* op, const Tensor& a, const Tensor& b, const char* a_name,
                  const char* b_name) {
    require_defined(op, a, a_name);
    require_defined(op, b, b_name);
    require_floating(op, a, a_name);
    require_floating(op, b, b_name);
    require<DtypeError>(a.dtype() == b.dtype(), "{}: {} is {} but {} is {}", op, a_name,
                        dtype_name(a.dtype()), b_name, dtype_name(b.dtype()));
    require<ShapeError>(std::ranges::equal(a.shape(), b.shape()),
                        "{}: {} has shape {} but {} has shape {}; they must be equal", op, a_name,
                        shape_string(a.shape()), b_name, shape_string(b.shape()));
}

void require_broadcasts_to(const char* op, const Tensor& t, const Tensor& like, ShapeView shape,
                           const char* name) {
    if (!t.defined()) {
        return;
    }
    require_floating(op, t, name);
    require<DtypeError>(t.dtype() == like.dtype(), "{}: {} is {} but input is {}", op, name,
                        dtype_name(t.dtype()), dtype_name(like.dtype()));
    const Shape joint = broadcast_shapes(op, t.shape(), shape);
    require<ShapeError>(std::ranges::equal(joint, shape),
                        "{}: {} of shape {} does not broadcast to the input's shape {}", op, name,
                        shape_string(t.shape()), shape_string(shape));
}

Tensor eye_like(std::size_t n, const Tensor& like) {
    Tensor eye = zeros({n, n}, like.dtype());
    return visit(eye, [&](auto& a) {
        for (std::size_t i = 0; i < n; ++i) {
            a(i, i) = 1;
        }
        return eye;
    });
}

}  // namespace detail

Reduction reduction_from_string(std::string_view name) {
    return detail::parse_reduction("reduction_from_string", name, /*allow_batchmean=*/true);
}

std::string_view reduction_name(Reduction reduction) {
    switch (reduction) {
        case Reduction::none:
            return "none";
        case Reduction::mean:
            return "mean";
        case Reduction::sum:
            return "sum";
        case Reduction::batchmean:
            return "batchmean";
    }
    return "unknown";
}

}  // namespace wengert
