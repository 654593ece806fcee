#pragma once
// Conversion between tensors and xtensor arrays without copying values.

#include <xtensor/xarray.hpp>

#include "tensor_impl.hpp"

namespace wengert {

/// A tensor that takes over `array`'s memory (pass an rvalue to avoid a copy).
template <class T>
Tensor from_xarray(xt::xarray<T> array) {
    return detail::make_tensor(std::move(array));
}

/// The tensor's values as an xtensor array, by reference (T must match dtype()). Writing
/// through it changes the tensor in place, unseen by the tape: do so only under
/// NoGradGuard, on tensors whose old values no recorded op still needs.
template <class T>
xt::xarray<T>& as_xarray(const Tensor& t) {
    detail::require_defined("as_xarray", t);
    detail::require<DtypeError>(t.dtype() == detail::dtype_of<T>(),
                                "as_xarray: tensor holds {}, requested {}", dtype_name(t.dtype()),
                                dtype_name(detail::dtype_of<T>()));
    return detail::array_as<T>(t);
}

}  // namespace wengert
