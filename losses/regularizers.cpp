#include "regularizers.hpp"

#include "loss_kernel.hpp"

namespace wengert {

namespace {

void require_tensors(const char* op, const TensorList& tensors) {
    detail::require(!tensors.empty(), "{}: the list of tensors is empty", op);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        detail::require_defined(op, tensors[i], "tensor");
        detail::require_floating(op, tensors[i], "tensor");
        detail::require<DtypeError>(tensors[i].dtype() == tensors[0].dtype(),
                                    "{}: tensor {} is {} but tensor 0 is {}", op, i,
                                    dtype_name(tensors[i].dtype()), dtype_name(tensors[0].dtype()));
    }
}

void require_strength(const char* op, const char* name, double value) {
    detail::require(value >= 0, "{}: {} must be non-negative; got {}", op, name, value);
}

// sum over tensors of sum(f(w)), one 0-d node.
template <class F>
Tensor total(const TensorList& tensors, F f) {
    Tensor result = sum(f(tensors[0]));
    for (std::size_t i = 1; i < tensors.size(); ++i) {
        result = add(result, sum(f(tensors[i])));
    }
    return result;
}

Tensor squares(const TensorList& tensors) {
    return total(tensors, [](const Tensor& w) { return mul(w, w); });
}

Tensor magnitudes(const TensorList& tensors) {
    return total(tensors, [](const Tensor& w) { return abs(w); });
}

}  // namespace

Tensor l2_penalty(const TensorList& tensors, double lambda) {
    require_tensors("l2_penalty", tensors);
    require_strength("l2_penalty", "lambda", lambda);
    return mul(squares(tensors), 0.5 * lambda);
}

Tensor l1_penalty(const TensorList& tensors, double lambda) {
    require_tensors("l1_penalty", tensors);
    require_strength("l1_penalty", "lambda", lambda);
    return mul(magnitudes(tensors), lambda);
}

Tensor elastic_net(const TensorList& tensors, double l1, double l2) {
    require_tensors("elastic_net", tensors);
    require_strength("elastic_net", "l1", l1);
    require_strength("elastic_net", "l2", l2);
    return add(mul(magnitudes(tensors), l1), mul(squares(tensors), 0.5 * l2));
}

Regularizer::Regularizer(double l1, double l2, double strength)
    : l1_(l1), l2_(l2), strength_(strength) {
    require_strength("Regularizer", "l1", l1);
    require_strength("Regularizer", "l2", l2);
    require_strength("Regularizer", "strength", strength);
}

Regularizer Regularizer::l1(double lambda) {
    return Regularizer(1.0, 0.0, lambda);
}

Regularizer Regularizer::l2(double lambda) {
    return Regularizer(0.0, 1.0, lambda);
}

Regularizer Regularizer::elastic_net(double l1, double l2) {
    return Regularizer(l1, l2, 1.0);
}

void Regularizer::set_strength(double strength) {
    require_strength("Regularizer::set_strength", "strength", strength);
    strength_ = strength;
}

Tensor Regularizer::operator()(const TensorList& tensors) const {
    require_tensors("Regularizer", tensors);
    if (l2_ == 0) {
        return mul(magnitudes(tensors), strength_ * l1_);
    }
    if (l1_ == 0) {
        return mul(squares(tensors), 0.5 * strength_ * l2_);
    }
    return add(mul(magnitudes(tensors), strength_ * l1_),
               mul(squares(tensors), 0.5 * strength_ * l2_));
}

}  // namespace wengert
