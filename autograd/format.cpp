#include <fmt/format.h>

#include "node.hpp"
#include "tensor.hpp"
#include "tensor_impl.hpp"

namespace wengert {

namespace {

// Large tensors print their first and last few entries per axis, as PyTorch does.
constexpr std::size_t kSummaryThreshold = 1000;
constexpr std::size_t kEdgeItems = 3;

void append_values(std::string& out, const std::vector<double>& values, ShapeView shape,
                   std::size_t axis, std::size_t offset, bool summarize, bool integral) {
    if (axis == shape.size()) {
        if (integral) {
            fmt::format_to(std::back_inserter(out), "{}", static_cast<long long>(values[offset]));
        } else {
            fmt::format_to(std::back_inserter(out), "{:.4g}", values[offset]);
        }
        return;
    }
    std::size_t stride = 1;
    for (std::size_t k = axis + 1; k < shape.size(); ++k) {
        stride *= shape[k];
    }
    out += '[';
    const std::size_t extent = shape[axis];
    for (std::size_t i = 0; i < extent; ++i) {
        if (summarize && extent > 2 * kEdgeItems && i == kEdgeItems) {
            out += "..., ";
            i = extent - kEdgeItems;
        }
        append_values(out, values, shape, axis + 1, offset + i * stride, summarize, integral);
        if (i + 1 < extent) {
            out += ", ";
        }
    }
    out += ']';
}

}  // namespace

std::string Tensor::to_string() const {
    if (!defined()) {
        return "tensor(undefined)";
    }
    std::string out = "tensor(";
    append_values(out, to_vector(), shape(), 0, 0, numel() > kSummaryThreshold,
                  !is_floating_point(dtype()));
    if (numel() > kSummaryThreshold || numel() == 0) {
        fmt::format_to(std::back_inserter(out), ", shape={}", shape_string(shape()));
    }
    fmt::format_to(std::back_inserter(out), ", dtype={}", dtype_name(dtype()));
    if (grad_fn() != nullptr) {
        fmt::format_to(std::back_inserter(out), ", grad_fn=<{}>", grad_fn()->name());
    } else if (requires_grad()) {
        out += ", requires_grad=true";
    }
    out += ')';
    return out;
}

Tensor Tensor::to(Dtype target) const {
    detail::require_defined("to", *this);
    const Dtype source = dtype();
    if (source == target) {
        return *this;
    }
    detail::AnyArray converted =
        detail::visit_any(*this, [&](const auto& array) -> detail::AnyArray {
            switch (target) {
                case Dtype::float32:
                    return detail::Array<float>(xt::cast<float>(array));
                case Dtype::float64:
                    return detail::Array<double>(xt::cast<double>(array));
                case Dtype::int64:
                    return detail::Array<std::int64_t>(xt::cast<std::int64_t>(array));
            }
            detail::internal_error("to", "unknown dtype");
        });
    if (!is_floating_point(source) || !is_floating_point(target)) {
        return detail::make_tensor(std::move(converted));  // integers carry no gradient
    }
    return detail::record("to", std::move(converted), {*this},
                          [source](const detail::BackwardCall& call) -> TensorList {
                              return {call.grad_output.to(source)};
                          });
}

}  // namespace wengert
