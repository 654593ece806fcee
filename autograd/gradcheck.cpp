#include "gradcheck.hpp"

#include <cmath>

#include "engine.hpp"
#include "grad_mode.hpp"
#include "tensor_impl.hpp"

namespace wengert {

namespace {

// Jacobian blocks: jacobian[input][output] is a row-major (output numel) x (input numel)
// matrix of d output_j / d input_k.
using Matrix = std::vector<double>;
using Jacobian = std::vector<std::vector<Matrix>>;

std::vector<std::size_t> checked_inputs(const TensorList& inputs) {
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        detail::require_defined("gradcheck", inputs[i]);
        detail::require<DtypeError>(inputs[i].dtype() == Dtype::float64,
                                    "gradcheck: input {} is {}; finite differences need float64 "
                                    "inputs (use .to(kFloat64))",
                                    i, dtype_name(inputs[i].dtype()));
        if (inputs[i].requires_grad()) {
            indices.push_back(i);
        }
    }
    detail::require(!indices.empty(), "gradcheck: no input requires grad, so nothing is checked");
    return indices;
}

TensorList evaluate(const MultiOutputFn& f, const TensorList& inputs) {
    TensorList outputs = f(inputs);
    detail::require(!outputs.empty(), "gradcheck: the function returned no outputs");
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        detail::require_defined("gradcheck", outputs[j], "output");
        detail::require<DtypeError>(outputs[j].dtype() == Dtype::float64,
                                    "gradcheck: output {} is {}; expected float64", j,
                                    dtype_name(outputs[j].dtype()));
    }
    return outputs;
}

Jacobian analytic_jacobian(const MultiOutputFn& f, const TensorList& inputs,
                           const std::vector<std::size_t>& checked) {
    TensorList outputs = evaluate(f, inputs);
    TensorList differentiated;
    for (std::size_t i : checked) {
        differentiated.push_back(inputs[i]);
    }
    Jacobian jacobian(checked.size(), std::vector<Matrix>(outputs.size()));
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        const std::size_t rows = outputs[j].numel();
        for (std::size_t c = 0; c < checked.size(); ++c) {
            jacobian[c][j].assign(rows * inputs[checked[c]].numel(), 0.0);
        }
        if (!outputs[j].requires_grad()) {
            continue;  // a constant output: its Jacobian is zero
        }
        for (std::size_t row = 0; row < rows; ++row) {
            Tensor seed = zeros_like(outputs[j]);
            seed.data_ptr<double>()[row] = 1.0;
            TensorList grads = grad({outputs[j]}, differentiated, {seed}, /*retain_graph=*/true,
                                    /*create_graph=*/false, /*allow_unused=*/true);
            for (std::size_t c = 0; c < checked.size(); ++c) {
                if (!grads[c].defined()) {
                    continue;
                }
                const std::size_t cols = inputs[checked[c]].numel();
                detail::require<ShapeError>(
                    std::ranges::equal(grads[c].shape(), inputs[checked[c]].shape()),
                    "gradcheck: gradient of input {} has shape {}, expected {}", checked[c],
                    shape_string(grads[c].shape()), shape_string(inputs[checked[c]].shape()));
                const double* g = grads[c].data_ptr<double>();
                std::copy(g, g + cols, jacobian[c][j].begin() + static_cast<long>(row * cols));
            }
        }
    }
    return jacobian;
}

std::vector<std::vector<double>> snapshot(const TensorList& outputs) {
    std::vector<std::vector<double>> values;
    for (const Tensor& output : outputs) {
        values.push_back(output.to_vector());
    }
    return values;
}

Jacobian numeric_jacobian(const MultiOutputFn& f, const TensorList& inputs,
                          const std::vector<std::size_t>& checked, double eps) {
    // Not under NoGradGuard: gradgradcheck's function takes a gradient inside.
    TensorList reference = evaluate(f, inputs);
    Jacobian jacobian(checked.size(), std::vector<Matrix>(reference.size()));
    for (std::size_t c = 0; c < checked.size(); ++c) {
        double* x = detail::array_as<double>(inputs[checked[c]]).data();
        const std::size_t cols = inputs[checked[c]].numel();
        for (std::size_t j = 0; j < reference.size(); ++j) {
            jacobian[c][j].assign(reference[j].numel() * cols, 0.0);
        }
        for (std::size_t k = 0; k < cols; ++k) {
            // Outputs may alias an input (grad() can return its seed), so their values are
            // copied out before the input is perturbed again.
            const double original = x[k];
            x[k] = original + eps;
            const std::vector<std::vector<double>> plus = snapshot(evaluate(f, inputs));
            x[k] = original - eps;
            const std::vector<std::vector<double>> minus = snapshot(evaluate(f, inputs));
            x[k] = original;
            for (std::size_t j = 0; j < reference.size(); ++j) {
                const std::vector<double>& p = plus[j];
                const std::vector<double>& m = minus[j];
                for (std::size_t row = 0; row < reference[j].numel(); ++row) {
                    jacobian[c][j][row * cols + k] = (p[row] - m[row]) / (2.0 * eps);
                }
            }
        }
    }
    return jacobian;
}

GradcheckResult fail(const GradcheckOptions& options, std::string message) {
    if (options.raise_exception) {
        throw GradcheckError(message);
    }
    return {false, std::move(message)};
}

GradcheckResult compare(const TensorList& inputs, const std::vector<std::size_t>& checked,
                        const Jacobian& analytic, const Jacobian& analytic_again,
                        const Jacobian& numeric, const GradcheckOptions& options) {
    for (std::size_t c = 0; c < checked.size(); ++c) {
        const std::size_t cols = inputs[checked[c]].numel();
        for (std::size_t j = 0; j < analytic[c].size(); ++j) {
            for (std::size_t e = 0; e < analytic[c][j].size(); ++e) {
                const double a = analytic[c][j][e];
                const double n = numeric[c][j][e];
                const std::size_t row = e / cols;
                const std::size_t k = e % cols;
                if (a != analytic_again[c][j][e] &&
                    !(std::isnan(a) && std::isnan(analytic_again[c][j][e]))) {
                    return fail(options,
                                fmt::format("gradcheck: backward is not reentrant: two runs gave "
                                            "{} and {} for input {} element {}, output {} element "
                                            "{}",
                                            a, analytic_again[c][j][e], checked[c], k, j, row));
                }
                if (!(std::abs(a - n) <= options.atol + options.rtol * std::abs(n))) {
                    return fail(options,
                                fmt::format("gradcheck: Jacobian mismatch for input {} (shape {}) "
                                            "element {}, output {} element {}: analytic {:.10g}, "
                                            "numeric {:.10g} (atol {}, rtol {})",
                                            checked[c], shape_string(inputs[checked[c]].shape()), k,
                                            j, row, a, n, options.atol, options.rtol));
                }
            }
        }
    }
    return {};
}

MultiOutputFn as_multi(const SingleOutputFn& f) {
    return [f](const TensorList& inputs) { return TensorList{f(inputs)}; };
}

GradcheckOptions positional_options(double eps, double atol, double rtol) {
    GradcheckOptions options;
    options.eps = eps;
    options.atol = atol;
    options.rtol = rtol;
    return options;
}

}  // namespace

GradcheckResult gradcheck(const MultiOutputFn& f, const TensorList& inputs,
                          const GradcheckOptions& options) {
    const std::vector<std::size_t> checked = checked_inputs(inputs);
    const Jacobian analytic = analytic_jacobian(f, inputs, checked);
    const Jacobian analytic_again = analytic_jacobian(f, inputs, checked);
    const Jacobian numeric = numeric_jacobian(f, inputs, checked, options.eps);
    return compare(inputs, checked, analytic, analytic_again, numeric, options);
}

bool gradcheck(const SingleOutputFn& f, const TensorList& inputs, double eps, double atol,
               double rtol) {
    return gradcheck(as_multi(f), inputs, positional_options(eps, atol, rtol)).passed;
}

GradcheckResult gradgradcheck(const MultiOutputFn& f, const TensorList& inputs,
                              const GradcheckOptions& options) {
    const std::vector<std::size_t> checked = checked_inputs(inputs);
    Generator generator(options.seed);
    TensorList seeds;
    {
        NoGradGuard no_grad;
        for (const Tensor& output : evaluate(f, inputs)) {
            Shape shape(output.shape().begin(), output.shape().end());
            seeds.push_back(randn(shape, Dtype::float64, &generator).requires_grad_());
        }
    }
    const std::size_t n_inputs = inputs.size();
    MultiOutputFn first_derivative = [f, n_inputs, checked](const TensorList& all) {
        const TensorList x(all.begin(), all.begin() + static_cast<long>(n_inputs));
        const TensorList v(all.begin() + static_cast<long>(n_inputs), all.end());
        TensorList outputs = f(x);
        TensorList differentiated;
        for (std::size_t i : checked) {
            differentiated.push_back(x[i]);
        }
        TensorList used_outputs;
        TensorList used_seeds;
        for (std::size_t j = 0; j < outputs.size(); ++j) {
            if (outputs[j].requires_grad()) {
                used_outputs.push_back(outputs[j]);
                used_seeds.push_back(v[j]);
            }
        }
        TensorList grads = used_outputs.empty()
                               ? TensorList(differentiated.size())
                               : grad(used_outputs, differentiated, used_seeds, true, true, true);
        for (std::size_t c = 0; c < grads.size(); ++c) {
            if (!grads[c].defined()) {
                grads[c] = zeros_like(differentiated[c]);
            }
        }
        return grads;
    };
    TensorList all = inputs;
    all.insert(all.end(), seeds.begin(), seeds.end());
    GradcheckResult result = gradcheck(first_derivative, all, options);
    if (!result.passed) {
        result.message = "gradgradcheck: second-order " + result.message;
    }
    return result;
}

bool gradgradcheck(const SingleOutputFn& f, const TensorList& inputs, double eps, double atol,
                   double rtol) {
    return gradgradcheck(as_multi(f), inputs, positional_options(eps, atol, rtol)).passed;
}

}  // namespace wengert
