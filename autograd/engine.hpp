#pragma once
// The reverse sweep: backward() accumulates into leaves, grad() returns gradients.

#include "tensor.hpp"

namespace wengert {

/// Backpropagates from `outputs`, accumulating into .grad() of every leaf that requires grad.
/// `grad_outputs` holds one seed per output (empty: each output must be a scalar, seeded
/// with 1). Throws std::logic_error when an output does not require grad, or when part of
/// the graph was freed by an earlier backward without retain_graph.
void backward(const TensorList& outputs, const TensorList& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

/// Gradients of `outputs` (seeded with `grad_outputs`, as in backward) with respect to
/// `inputs`, returned in the order of `inputs` and never accumulated into any .grad().
/// An input that the outputs do not depend on gets an undefined tensor when allow_unused,
/// and otherwise raises std::logic_error. retain_graph defaults to create_graph, as in
/// PyTorch. With create_graph the results carry history and can be differentiated again.
TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs = {}, bool retain_graph = false,
                bool create_graph = false, bool allow_unused = false);

/// Options of grad() by name, for calls that set only some of them.
struct GradOptions {
    TensorList grad_outputs;
    bool retain_graph = false;
    bool create_graph = false;
    bool allow_unused = false;
};
TensorList grad(const TensorList& outputs, const TensorList& inputs, const GradOptions& options);

}  // namespace wengert
