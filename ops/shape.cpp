#include "shape.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>

#include "indexing.hpp"
#include "kernel.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

std::size_t product(const Shape& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

std::size_t product(ShapeView shape, std::size_t begin, std::size_t end) {
    std::size_t n = 1;
    for (std::size_t i = begin; i < end; ++i) {
        n *= shape[i];
    }
    return n;
}

/// map_array for every dtype, int64 included: for ops that only move elements.
template <class F>
AnyArray map_any(const Tensor& t, F&& f) {
    return detail::visit_any(t, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Array<T>(f(x));
    });
}

std::vector<std::int64_t> signed_shape(ShapeView shape) {
    return std::vector<std::int64_t>(shape.begin(), shape.end());
}

Shape resolve_reshape(const Tensor& x, const std::vector<std::int64_t>& requested) {
    Shape shape(requested.size());
    std::size_t known = 1;
    int inferred = -1;
    for (std::size_t i = 0; i < requested.size(); ++i) {
        if (requested[i] == -1) {
            detail::require(inferred < 0, "reshape: only one axis can be -1 in [{}]",
                            fmt::join(requested, ", "));
            inferred = static_cast<int>(i);
            continue;
        }
        detail::require(requested[i] >= 0, "reshape: invalid size {} in [{}]", requested[i],
                        fmt::join(requested, ", "));
        shape[i] = static_cast<std::size_t>(requested[i]);
        known *= shape[i];
    }
    if (inferred >= 0) {
        detail::require<ShapeError>(known > 0 && x.numel() % known == 0,
                                    "reshape: cannot infer -1 in [{}] for a tensor of shape {}",
                                    fmt::join(requested, ", "), shape_string(x.shape()));
        shape[static_cast<std::size_t>(inferred)] = x.numel() / known;
    }
    detail::require<ShapeError>(product(shape) == x.numel(),
                                "reshape: a tensor of shape {} ({} elements) cannot take shape {}",
                                shape_string(x.shape()), x.numel(), shape_string(shape));
    return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& requested) {
    detail::require_defined("reshape", x);
    const Shape shape = resolve_reshape(x, requested);
    AnyArray out = detail::visit_any(x, [&](const auto& a) -> AnyArray {
        auto copy = a;
        copy.reshape(shape);
        return copy;
    });
    const std::vector<std::int64_t> original(x.shape().begin(), x.shape().end());
    return detail::record_op(Op::reshape, std::move(out), {x},
                             [original](const BackwardCall& call) -> TensorList {
                                 return {reshape(call.grad_output, original)};
                             });
}

Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1) {
    detail::require_defined("transpose", x);
    const std::size_t a0 = detail::normalize_axis("transpose", axis0, x.dim());
    const std::size_t a1 = detail::normalize_axis("transpose", axis1, x.dim());
    std::vector<std::size_t> permutation(x.dim());
    std::iota(permutation.begin(), permutation.end(), std::size_t{0});
    std::swap(permutation[a0], permutation[a1]);
    AnyArray out = map_any(x, [&](const auto& a) { return xt::transpose(a, permutation); });
    return detail::record_op(Op::transpose, std::move(out), {x},
                             [axis0, axis1](const BackwardCall& call) -> TensorList {
                                 return {transpose(call.grad_output, axis0, axis1)};
                             });
}

Tensor expand(const Tensor& x, const Shape& shape) {
    detail::require_defined("expand", x);
    const Shape joint = detail::broadcast_shapes("expand", x.shape(), shape);
    detail::require<ShapeError>(joint == shape, "expand: a tensor of shape {} cannot expand to {}",
                                shape_string(x.shape()), shape_string(shape));
    // Floating values take the strided loop of Note [Broadcast kernels] (expand is the
    // backward of every mean and sum over axes, so it runs on whole activations); xtensor's
    // broadcast assignment was about 30 times slower. int64 keeps xtensor.
    detail::SharedArray out = detail::visit_any(x, [&](const auto& a) -> detail::SharedArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        if constexpr (std::is_floating_point_v<T>) {
            return detail::broadcast_zip_shared(a, a, shape,
                                                [](const auto& v, const auto&) { return v; });
        } else {
            return std::make_shared<AnyArray>(std::in_place_type<Array<T>>,
                                              Array<T>(xt::broadcast(a, shape)));
        }
    });
    return detail::record_op(
        Op::expand, std::move(out), {x},
        [original = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            return {sum_to(call.grad_output, original)};
        });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    detail::require_defined("sum_to", x);
    // Leading axes that `shape` lacks, and axes where it has size 1, are summed away; every
    // other axis must match. One pass over the shapes both checks and finds the axes (every
    // broadcast op's backward comes here, so it allocates only the axis list and the result).
    const ShapeView from = x.shape();
    const bool fits = shape.size() <= from.size();
    const std::size_t lead = fits ? from.size() - shape.size() : 0;
    std::vector<std::size_t> axes;
    bool ok = fits;
    for (std::size_t i = 0; ok && i < from.size(); ++i) {
        if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) {
            axes.push_back(i);
        } else {
            ok = shape[i - lead] == from[i];
        }
    }
    detail::require<ShapeError>(ok, "sum_to: a tensor of shape {} cannot be summed to {}",
                                shape_string(from), shape_string(shape));
    auto out = detail::visit(x, [&](const auto& a) -> detail::SharedArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        auto data = std::make_shared<AnyArray>(
            std::in_place_type<Array<T>>, axes.empty() ? Array<T>(a) : detail::sum_axes(a, axes));
        std::get<Array<T>>(*data).reshape(shape);
        return data;
    });
    return detail::record_op(
        Op::sum_to, std::move(out), {x},
        [original = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            return {expand(call.grad_output, original)};
        });
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
    detail::require_defined("permute", x);
    detail::require(dims.size() == x.dim(),
                    "permute: [{}] has {} axes but the tensor of shape {} has {}",
                    fmt::join(dims, ", "), dims.size(), shape_string(x.shape()), x.dim());
    std::vector<std::size_t> permutation(dims.size());
    std::vector<bool> used(dims.size(), false);
    for (std::size_t i = 0; i < dims.size(); ++i) {
        permutation[i] = detail::normalize_axis("permute", dims[i], x.dim());
        detail::require(!used[permutation[i]], "permute: axis {} is repeated in [{}]", dims[i],
                        fmt::join(dims, ", "));
        used[permutation[i]] = true;
    }

    AnyArray out = map_any(x, [&](const auto& a) { return xt::transpose(a, permutation); });

    std::vector<std::int64_t> inverse(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        inverse[permutation[i]] = static_cast<std::int64_t>(i);
    }
    return detail::record_op(Op::permute, std::move(out), {x},
                             [inverse](const BackwardCall& call) -> TensorList {
                                 return {permute(call.grad_output, inverse)};
                             });
}

Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination) {
    detail::require_defined("movedim", x);
    const std::size_t from = detail::normalize_axis("movedim", source, x.dim());
    const std::size_t to = detail::normalize_axis("movedim", destination, x.dim());
    std::vector<std::int64_t> order;
    for (std::size_t i = 0; i < x.dim(); ++i) {
        if (i != from) {
            order.push_back(static_cast<std::int64_t>(i));
        }
    }
    order.insert(order.begin() + static_cast<std::ptrdiff_t>(to), static_cast<std::int64_t>(from));
    return permute(x, order);
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
    detail::require_defined("flatten", x);
    if (x.dim() == 0) {
        return reshape(x, {1});
    }
    const std::size_t first = detail::normalize_axis("flatten", start_dim, x.dim());
    const std::size_t last = detail::normalize_axis("flatten", end_dim, x.dim());
    detail::require(first <= last, "flatten: start_dim {} comes after end_dim {} for rank {}",
                    start_dim, end_dim, x.dim());
    std::vector<std::int64_t> shape;
    for (std::size_t i = 0; i < first; ++i) {
        shape.push_back(static_cast<std::int64_t>(x.shape()[i]));
    }
    shape.push_back(static_cast<std::int64_t>(product(x.shape(), first, last + 1)));
    for (std::size_t i = last + 1; i < x.dim(); ++i) {
        shape.push_back(static_cast<std::int64_t>(x.shape()[i]));
    }
    return reshape(x, shape);
}

Tensor squeeze(const Tensor& x) {
    detail::require_defined("squeeze", x);
    std::vector<std::int64_t> shape;
    for (std::size_t size : x.shape()) {
        if (size != 1) {
            shape.push_back(static_cast<std::int64_t>(size));
        }
    }
    return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, std::int64_t axis) {
    detail::require_defined("squeeze", x);
    if (x.dim() == 0) {
        // PyTorch accepts axis 0 or -1 on a 0-d tensor.
        detail::normalize_axis("squeeze", axis, 1);
        return reshape(x, {});
    }
    const std::size_t a = detail::normalize_axis("squeeze", axis, x.dim());
    std::vector<std::int64_t> shape = signed_shape(x.shape());
    if (shape[a] == 1) {
        shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(a));
    }
    return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
    detail::require_defined("unsqueeze", x);
    const std::size_t a = detail::normalize_axis("unsqueeze", axis, x.dim() + 1);
    std::vector<std::int64_t> shape = signed_shape(x.shape());
    shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(a), 1);
    return reshape(x, shape);
}

Tensor concat(const TensorList& tensors, std::int64_t axis) {
    detail::require(!tensors.empty(), "concat: expected at least one tensor; got none");
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        detail::require(tensors[i].defined(), "concat: tensor {} is undefined", i);
    }
    const Tensor& first = tensors[0];
    const std::size_t a = detail::normalize_axis("concat", axis, first.dim());
    Shape shape = detail::to_shape(first.shape());
    shape[a] = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const Tensor& t = tensors[i];
        detail::require<DtypeError>(t.dtype() == first.dtype(),
                                    "concat: tensor {} is {} but tensor 0 is {}", i,
                                    dtype_name(t.dtype()), dtype_name(first.dtype()));
        bool same = t.dim() == first.dim();
        for (std::size_t d = 0; same && d < t.dim(); ++d) {
            same = d == a || t.shape()[d] == first.shape()[d];
        }
        detail::require<ShapeError>(same,
                                    "concat: tensor {} has shape {} but tensor 0 has shape {}; "
                                    "sizes must match except along axis {}",
                                    i, shape_string(t.shape()), shape_string(first.shape()), axis);
        shape[a] += t.shape()[a];
    }

    // Each input contributes one contiguous block of size(axis) * inner per outer index.
    const std::size_t outer = product(first.shape(), 0, a);
    const std::size_t inner = product(first.shape(), a + 1, first.dim());
    AnyArray out = detail::visit_any(first, [&](const auto& a0) -> AnyArray {
        using T = typename std::decay_t<decltype(a0)>::value_type;
        Array<T> result = Array<T>::from_shape(shape);
        const std::size_t row = shape[a] * inner;
        std::size_t offset = 0;
        for (const Tensor& t : tensors) {
            const std::size_t block = t.shape()[a] * inner;
            const T* src = detail::array_as<T>(t).data();
            for (std::size_t o = 0; o < outer; ++o) {
                std::copy_n(src + o * block, block, result.data() + o * row + offset);
            }
            offset += block;
        }
        return result;
    });

    std::vector<std::int64_t> sizes;
    for (const Tensor& t : tensors) {
        sizes.push_back(static_cast<std::int64_t>(t.shape()[a]));
    }
    return detail::record_op(
        Op::concat, std::move(out), tensors, [sizes, axis](const BackwardCall& call) -> TensorList {
            TensorList grads(sizes.size());
            std::int64_t start = 0;
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                if (call.needs_grad[i]) {
                    grads[i] = slice(call.grad_output, axis, start, start + sizes[i]);
                }
                start += sizes[i];
            }
            return grads;
        });
}

Tensor stack(const TensorList& tensors, std::int64_t axis) {
    detail::require(!tensors.empty(), "stack: expected at least one tensor; got none");
    TensorList expanded;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        detail::require(tensors[i].defined(), "stack: tensor {} is undefined", i);
        detail::require<ShapeError>(std::ranges::equal(tensors[i].shape(), tensors[0].shape()),
                                    "stack: tensor {} has shape {} but tensor 0 has shape {}; "
                                    "all shapes must be equal",
                                    i, shape_string(tensors[i].shape()),
                                    shape_string(tensors[0].shape()));
        expanded.push_back(unsqueeze(tensors[i], axis));
    }
    return concat(expanded, axis);
}

TensorList split(const Tensor& x, std::int64_t split_size, std::int64_t axis) {
    detail::require_defined("split", x);
    const std::size_t a = detail::normalize_axis("split", axis, x.dim());
    const auto size = static_cast<std::int64_t>(x.shape()[a]);
    detail::require(split_size > 0 || (split_size == 0 && size == 0),
                    "split: split_size must be positive; got {}", split_size);
    std::vector<std::int64_t> sizes;
    for (std::int64_t start = 0; start < size; start += split_size) {
        sizes.push_back(std::min(split_size, size - start));
    }
    if (sizes.empty()) {
        sizes.push_back(0);
    }
    return split(x, sizes, axis);
}

TensorList split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis) {
    detail::require_defined("split", x);
    const std::size_t a = detail::normalize_axis("split", axis, x.dim());
    std::int64_t total = 0;
    for (std::int64_t s : sizes) {
        detail::require(s >= 0, "split: negative size {} in [{}]", s, fmt::join(sizes, ", "));
        total += s;
    }
    detail::require<ShapeError>(total == static_cast<std::int64_t>(x.shape()[a]),
                                "split: sizes [{}] sum to {} but axis {} of shape {} has size {}",
                                fmt::join(sizes, ", "), total, axis, shape_string(x.shape()),
                                x.shape()[a]);
    TensorList pieces;
    std::int64_t start = 0;
    for (std::int64_t s : sizes) {
        pieces.push_back(slice(x, axis, start, start + s));
        start += s;
    }
    return pieces;
}

TensorList chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis) {
    detail::require_defined("chunk", x);
    detail::require(chunks > 0, "chunk: chunks must be positive; got {}", chunks);
    const std::size_t a = detail::normalize_axis("chunk", axis, x.dim());
    const auto size = static_cast<std::int64_t>(x.shape()[a]);
    const std::int64_t split_size = (size + chunks - 1) / chunks;
    if (split_size == 0) {
        // An empty axis gives `chunks` empty pieces, as in PyTorch.
        return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), 0), axis);
    }
    return split(x, split_size, axis);
}

namespace {

/// Constant padding of one axis by non-negative amounts.
Tensor pad_constant(const Tensor& x, std::size_t axis, std::int64_t before, std::int64_t after,
                    double value) {
    Shape shape = detail::to_shape(x.shape());
    const std::size_t n = shape[axis];
    shape[axis] += static_cast<std::size_t>(before + after);
    const std::size_t outer = product(x.shape(), 0, axis);
    const std::size_t inner = product(x.shape(), axis + 1, x.dim());
    AnyArray out = detail::visit_any(x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> result(shape, static_cast<T>(value));
        const std::size_t block = n * inner;
        const std::size_t row = shape[axis] * inner;
        const std::size_t offset = static_cast<std::size_t>(before) * inner;
        for (std::size_t o = 0; o < outer; ++o) {
            std::copy_n(a.data() + o * block, block, result.data() + o * row + offset);
        }
        return result;
    });
    const auto ax = static_cast<std::int64_t>(axis);
    const auto stop = before + static_cast<std::int64_t>(n);
    return detail::record_op(Op::pad, std::move(out), {x},
                             [ax, before, stop](const BackwardCall& call) -> TensorList {
                                 return {slice(call.grad_output, ax, before, stop)};
                             });
}

/// Replicate or reflect padding of one axis, as an index_select of the source positions,
/// so that the gradient (index_add) and second order come for free.
Tensor pad_by_index(const Tensor& x, std::size_t axis, std::int64_t before, std::int64_t after,
                    bool reflect) {
    const auto n = static_cast<std::int64_t>(x.shape()[axis]);
    std::vector<double> positions;
    for (std::int64_t i = -before; i < n + after; ++i) {
        std::int64_t p = i;
        if (reflect) {
            p = p < 0 ? -p : p;
            p = p >= n ? 2 * (n - 1) - p : p;
        } else {
            p = std::clamp<std::int64_t>(p, 0, n - 1);
        }
        positions.push_back(static_cast<double>(p));
    }
    const Shape count{positions.size()};
    return index_select(x, static_cast<std::int64_t>(axis),
                        tensor(std::move(positions), count, kInt64));
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, const std::string& mode,
           double value) {
    detail::require_defined("pad", x);
    detail::require(pads.size() % 2 == 0, "pad: expected pairs of pads; got {} values [{}]",
                    pads.size(), fmt::join(pads, ", "));
    detail::require(pads.size() / 2 <= x.dim(),
                    "pad: [{}] pads {} axes but the tensor of shape {} has only {}",
                    fmt::join(pads, ", "), pads.size() / 2, shape_string(x.shape()), x.dim());
    const bool constant = mode == "constant";
    const bool reflect = mode == "reflect";
    detail::require(constant || reflect || mode == "replicate",
                    "pad: unknown mode '{}'; expected 'constant', 'reflect' or 'replicate'", mode);
    for (std::size_t k = 0; k < pads.size() / 2; ++k) {
        const std::size_t axis = x.dim() - 1 - k;
        const auto size = static_cast<std::int64_t>(x.shape()[axis]);
        const std::int64_t before = pads[2 * k];
        const std::int64_t after = pads[2 * k + 1];
        const std::int64_t cropped =
            size + std::min<std::int64_t>(before, 0) + std::min<std::int64_t>(after, 0);
        detail::require<ShapeError>(cropped >= 0,
                                    "pad: pads [{}] crop axis {} of shape {} below zero ({})",
                                    fmt::join(pads, ", "), axis, shape_string(x.shape()), cropped);
        if (!constant) {
            detail::require(before >= 0 && after >= 0,
                            "pad: mode '{}' needs non-negative pads; got [{}]", mode,
                            fmt::join(pads, ", "));
            detail::require<ShapeError>(size > 0 && (!reflect || (before < size && after < size)),
                                        "pad: mode '{}' with pads [{}] needs axis {} of shape {} "
                                        "to be larger than its pads",
                                        mode, fmt::join(pads, ", "), axis, shape_string(x.shape()));
        }
    }

    // From the last axis backwards, as the pairs are given: crop first, then pad.
    Tensor result = x;
    for (std::size_t k = 0; k < pads.size() / 2; ++k) {
        const std::size_t axis = x.dim() - 1 - k;
        const auto ax = static_cast<std::int64_t>(axis);
        std::int64_t before = pads[2 * k];
        std::int64_t after = pads[2 * k + 1];
        if (before < 0 || after < 0) {
            const auto size = static_cast<std::int64_t>(result.shape()[axis]);
            const std::int64_t start = std::max<std::int64_t>(-before, 0);
            const std::int64_t stop = size - std::max<std::int64_t>(-after, 0);
            result = slice(result, ax, start, std::max(start, stop));
            before = std::max<std::int64_t>(before, 0);
            after = std::max<std::int64_t>(after, 0);
        }
        if (before == 0 && after == 0) {
            continue;
        }
        result = constant ? pad_constant(result, axis, before, after, value)
                          : pad_by_index(result, axis, before, after, reflect);
    }
    return result.is_same(x) ? reshape(x, signed_shape(x.shape())) : result;
}

}  // namespace wengert
