#include "tensor.hpp"

#include <fmt/format.h>

#include "engine.hpp"
#include "node.hpp"
#include "tensor_impl.hpp"

namespace wengert {

namespace {

const detail::TensorImpl& checked(const char* method,
                                  const std::shared_ptr<detail::TensorImpl>& impl) {
    detail::require(impl != nullptr, "Tensor::{}: the tensor is undefined", method);
    return *impl;
}

}  // namespace

Tensor::Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

ShapeView Tensor::shape() const {
    checked("shape", impl_);
    return detail::visit_any(*this, [](const auto& array) {
        return ShapeView(array.shape().data(), array.shape().size());
    });
}

std::size_t Tensor::dim() const {
    return shape().size();
}

std::size_t Tensor::size(std::int64_t axis) const {
    const auto rank = static_cast<std::int64_t>(dim());
    const std::int64_t resolved = axis < 0 ? axis + rank : axis;
    detail::require<std::out_of_range>(resolved >= 0 && resolved < rank,
                                       "Tensor::size: axis {} is out of range for shape {}", axis,
                                       shape_string(shape()));
    return shape()[static_cast<std::size_t>(resolved)];
}

std::size_t Tensor::numel() const {
    checked("numel", impl_);
    return detail::visit_any(*this, [](const auto& array) { return array.size(); });
}

Dtype Tensor::dtype() const {
    return detail::dtype_of(*checked("dtype", impl_).data);
}

double Tensor::item() const {
    checked("item", impl_);
    detail::require(numel() == 1, "Tensor::item: expected a tensor with one element; shape is {}",
                    shape_string(shape()));
    return detail::visit_any(
        *this, [](const auto& array) { return static_cast<double>(array.data()[0]); });
}

std::vector<double> Tensor::to_vector() const {
    checked("to_vector", impl_);
    return detail::visit_any(*this, [](const auto& array) {
        return std::vector<double>(array.data(), array.data() + array.size());
    });
}

template <class T>
T* Tensor::data_ptr() {
    detail::require<DtypeError>(dtype() == detail::dtype_of<T>(),
                                "Tensor::data_ptr: tensor holds {}, requested {}",
                                dtype_name(dtype()), dtype_name(detail::dtype_of<T>()));
    return detail::array_as<T>(*this).data();
}

template <class T>
const T* Tensor::data_ptr() const {
    return const_cast<Tensor*>(this)->data_ptr<T>();
}

template float* Tensor::data_ptr<float>();
template double* Tensor::data_ptr<double>();
template std::int64_t* Tensor::data_ptr<std::int64_t>();
template const float* Tensor::data_ptr<float>() const;
template const double* Tensor::data_ptr<double>() const;
template const std::int64_t* Tensor::data_ptr<std::int64_t>() const;

Tensor Tensor::clone() const {
    checked("clone", impl_);
    return detail::make_tensor(detail::AnyArray(*impl_->data));
}

bool Tensor::requires_grad() const {
    return checked("requires_grad", impl_).requires_grad;
}

Tensor& Tensor::requires_grad_(bool enabled) {
    checked("requires_grad_", impl_);
    detail::require<DtypeError>(!enabled || is_floating_point(dtype()),
                                "Tensor::requires_grad_: only float32 and float64 tensors can "
                                "require gradients; this tensor is {} with shape {}",
                                dtype_name(dtype()), shape_string(shape()));
    detail::require<std::logic_error>(
        impl_->grad_fn == nullptr || enabled,
        "Tensor::requires_grad_: cannot turn off requires_grad of a non-leaf tensor (made by "
        "'{}'); use detach() instead",
        impl_->grad_fn ? impl_->grad_fn->name() : "");
    impl_->requires_grad = enabled;
    return *this;
}

bool Tensor::is_leaf() const {
    return checked("is_leaf", impl_).grad_fn == nullptr;
}

Tensor Tensor::grad() const {
    return checked("grad", impl_).grad;
}

void Tensor::set_grad(const Tensor& grad) {
    checked("set_grad", impl_);
    if (grad.defined()) {
        detail::require<ShapeError>(
            std::ranges::equal(grad.shape(), shape()),
            "Tensor::set_grad: gradient shape {} differs from tensor shape {}",
            shape_string(grad.shape()), shape_string(shape()));
        detail::require<DtypeError>(
            grad.dtype() == dtype(),
            "Tensor::set_grad: gradient dtype {} differs from tensor dtype {}",
            dtype_name(grad.dtype()), dtype_name(dtype()));
    }
    impl_->grad = grad;
}

void Tensor::zero_grad(bool set_to_none) {
    checked("zero_grad", impl_);
    if (!impl_->grad.defined()) {
        return;
    }
    if (set_to_none || impl_->grad.requires_grad()) {
        // A gradient with history (from create_graph) may be referenced by that graph, so it
        // is dropped rather than overwritten.
        impl_->grad = Tensor();
        return;
    }
    detail::visit(impl_->grad, [](auto& array) { std::fill(array.begin(), array.end(), 0); });
}

Tensor Tensor::detach() const {
    checked("detach", impl_);
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->data = impl_->data;
    return Tensor(std::move(impl));
}

const detail::Node* Tensor::grad_fn() const {
    return checked("grad_fn", impl_).grad_fn.get();
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
    checked("backward", impl_);
    wengert::backward({*this}, gradient.defined() ? TensorList{gradient} : TensorList{},
                      retain_graph, create_graph);
}

std::string shape_string(std::span<const std::size_t> shape) {
    return fmt::format("({})", fmt::join(shape, ", "));
}

namespace detail {

[[noreturn]] void internal_error(const char* where, const std::string& what) {
    throw std::logic_error(
        fmt::format("{}: internal error (a bug in wengert, please report it): {}", where, what));
}

Tensor make_tensor(AnyArray data) {
    auto impl = std::make_shared<TensorImpl>();
    impl->data = std::make_shared<AnyArray>(std::move(data));
    return Tensor(std::move(impl));
}

void require_same_dtype(const char* op, std::initializer_list<const Tensor*> tensors) {
    const Tensor* first = nullptr;
    for (const Tensor* t : tensors) {
        if (!t->defined()) {
            continue;
        }
        if (first == nullptr) {
            first = t;
            continue;
        }
        require<DtypeError>(t->dtype() == first->dtype(),
                            "{}: operands have different dtypes; {} and {}", op,
                            dtype_name(first->dtype()), dtype_name(t->dtype()));
    }
}

[[noreturn]] void throw_not_floating(const char* op, const Tensor& t) {
    throw DtypeError(fmt::format("{}: expected a float32 or float64 tensor; got {} with shape {}",
                                 op, dtype_name(t.dtype()), shape_string(t.shape())));
}

void require_floating(const char* op, const Tensor& t, const char* what) {
    require_defined(op, t, what);
    require<DtypeError>(is_floating_point(t.dtype()),
                        "{}: the {} must be float32 or float64; got {} with shape {}", op, what,
                        dtype_name(t.dtype()), shape_string(t.shape()));
}

void require_int64(const char* op, const Tensor& t, const char* what) {
    require_defined(op, t, what);
    require<DtypeError>(t.dtype() == Dtype::int64,
                        "{}: the {} must be an int64 tensor; got {} with shape {}", op, what,
                        dtype_name(t.dtype()), shape_string(t.shape()));
}

void require_defined(const char* op, const Tensor& t, const char* what) {
    require(t.defined(), "{}: the {} tensor is undefined", op, what);
}

}  // namespace detail
}  // namespace wengert
