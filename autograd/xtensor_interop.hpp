#pragma once
// Conversion between tensors and xtensor arrays.

#include <xtensor/xarray.hpp>

#include "tensor_impl.hpp"

namespace wengert {

/// The xtensor array type a tensor holds: row-major, with wengert's storage allocator (so
/// its buffer counts in memory_allocated() and is reused after it is freed).
template <class T>
using xarray = detail::Array<T>;

/// A tensor that takes over `array`'s memory (pass an rvalue to avoid a copy).
template <class T>
Tensor from_xarray(xarray<T> array) {
    return detail::make_tensor(std::move(array));
}

/// A tensor holding the values of any other xtensor expression (an xt::xarray with the
/// default allocator, a view, a lazy expression): evaluated into a new buffer.
template <class E>
Tensor from_xarray(const xt::xexpression<E>& expression) {
    using T = typename E::value_type;
    return detail::make_tensor(xarray<T>(expression));
}

/// The tensor's values as an xtensor array, by reference (T must match dtype()). Writing
/// through it changes the tensor in place, unseen by the tape: do so only under
/// NoGradGuard, on tensors whose old values no recorded op still needs.
template <class T>
xarray<T>& as_xarray(const Tensor& t) {
    detail::require_defined("as_xarray", t);
    detail::require<DtypeError>(t.dtype() == detail::dtype_of<T>(),
                                "as_xarray: tensor holds {}, requested {}", dtype_name(t.dtype()),
                                dtype_name(detail::dtype_of<T>()));
    return detail::array_as<T>(t);
}

}  // namespace wengert
