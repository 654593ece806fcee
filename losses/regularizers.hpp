#pragma once
// Weight penalties over a list of tensors (usually a model's parameters). Each returns a
// 0-d tensor on the tape, so it adds to the loss, shows in the reported loss value, and
// its strength may change from one step to the next (scheduled regularisation): pass a new
// lambda per call, or keep a Regularizer and call set_strength.
//
// All tensors must share one floating dtype; an empty list, an undefined or int64 tensor,
// or a negative strength throw std::invalid_argument (DtypeError for dtypes).

#include "../autograd/tensor.hpp"

namespace wengert {

/// 0.5 * lambda * sum over tensors of sum(w^2). Gradient: lambda * w (weight decay).
Tensor l2_penalty(const TensorList& tensors, double lambda);

/// lambda * sum over tensors of sum(|w|). Subgradient lambda * sign(w), 0 at w = 0.
Tensor l1_penalty(const TensorList& tensors, double lambda);

/// l1 * sum(|w|) + 0.5 * l2 * sum(w^2) (Zou and Hastie 2005), i.e. l1_penalty(l1) +
/// l2_penalty(l2).
Tensor elastic_net(const TensorList& tensors, double l1, double l2);

/// A penalty whose strength can be changed between steps:
///   strength * (l1 * sum |w| + 0.5 * l2 * sum w^2).
class Regularizer {
public:
    /// lambda * sum |w|.
    static Regularizer l1(double lambda);
    /// 0.5 * lambda * sum w^2.
    static Regularizer l2(double lambda);
    /// l1 * sum |w| + 0.5 * l2 * sum w^2, at strength 1.
    static Regularizer elastic_net(double l1, double l2);

    /// The penalty of `tensors` at the current strength, a 0-d tensor.
    Tensor operator()(const TensorList& tensors) const;

    double strength() const noexcept { return strength_; }
    /// Scales the whole penalty from the next call on; negative throws std::invalid_argument.
    void set_strength(double strength);

private:
    Regularizer(double l1, double l2, double strength);

    double l1_;
    double l2_;
    double strength_;
};

}  // namespace wengert
