#include "attacks.hpp"

#include <algorithm>
#include <cmath>

#include "../autograd/engine.hpp"
#include "../autograd/grad_mode.hpp"
#include "../autograd/tensor_impl.hpp"

namespace wengert::adversarial {

namespace {

void check_options(const char* attack, const Tensor& inputs, const AttackOptions& options) {
    wengert::detail::require_floating(attack, inputs, "inputs");
    wengert::detail::require(inputs.dim() >= 1 && inputs.shape()[0] > 0,
                             "{}: inputs must be a non-empty batch (first axis is the batch); "
                             "got shape {}",
                             attack, shape_string(inputs.shape()));
    wengert::detail::require(std::isfinite(options.eps) && options.eps >= 0.0,
                             "{}: eps must be finite and non-negative; got {}", attack,
                             options.eps);
    wengert::detail::require(options.clip_min <= options.clip_max,
                             "{}: clip_min {} is above clip_max {}", attack, options.clip_min,
                             options.clip_max);
}

// Elementwise over the values of `x`, in place: f(value, index).
template <class F>
void update_values(Tensor& x, F&& f) {
    wengert::detail::visit("attack", x, [&](auto& array) {
        auto* values = array.data();
        for (std::size_t i = 0; i < array.size(); ++i) {
            values[i] = static_cast<std::decay_t<decltype(values[i])>>(f(values[i], i));
        }
    });
}

std::vector<double> values_of(const Tensor& t) {
    return t.to_vector();
}

// Squared L2 norm of each sample (rows of the flattened batch).
std::vector<double> sample_norms(const std::vector<double>& values, std::size_t batch) {
    const std::size_t per_sample = values.size() / batch;
    std::vector<double> norms(batch, 0.0);
    for (std::size_t b = 0; b < batch; ++b) {
        double total = 0.0;
        for (std::size_t k = 0; k < per_sample; ++k) {
            const double v = values[b * per_sample + k];
            total += v * v;
        }
        norms[b] = std::sqrt(total);
    }
    return norms;
}

// Projects x onto the eps-ball around `clean` and onto [clip_min, clip_max], in place.
void project(Tensor& x, const std::vector<double>& clean, Norm norm, const AttackOptions& options) {
    const std::size_t batch = x.shape()[0];
    if (norm == Norm::l2) {
        std::vector<double> delta = values_of(x);
        for (std::size_t i = 0; i < delta.size(); ++i) {
            delta[i] -= clean[i];
        }
        const std::vector<double> norms = sample_norms(delta, batch);
        const std::size_t per_sample = delta.size() / batch;
        update_values(x, [&](double, std::size_t i) {
            const double n = norms[i / per_sample];
            const double scale = n > options.eps ? options.eps / n : 1.0;
            return std::clamp(clean[i] + delta[i] * scale, options.clip_min, options.clip_max);
        });
        return;
    }
    update_values(x, [&](double value, std::size_t i) {
        const double inside = std::clamp(value, clean[i] - options.eps, clean[i] + options.eps);
        return std::clamp(inside, options.clip_min, options.clip_max);
    });
}

double sign(double v) {
    return static_cast<double>((v > 0.0) - (v < 0.0));
}

}  // namespace

namespace detail {

EvalModeScope::EvalModeScope(const ModelRef& model) : model_(model) {
    if (model_.is_training && model_.set_training) {
        was_training_ = model_.is_training();
        model_.set_training(false);
    }
}

EvalModeScope::~EvalModeScope() {
    if (model_.is_training && model_.set_training) {
        model_.set_training(was_training_);
    }
}

}  // namespace detail

Tensor input_gradient(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                      const Tensor& targets) {
    wengert::detail::require(static_cast<bool>(model.forward) && static_cast<bool>(loss),
                             "input_gradient: the model's forward and the loss must be set");
    // A fresh leaf: the attack's graph starts here and is freed by grad().
    Tensor x = inputs.detach().clone().requires_grad_();
    GradModeGuard record(true);
    const Tensor value = loss(model.forward(x), targets);
    wengert::detail::require(value.defined() && value.numel() == 1,
                             "input_gradient: the loss must be a scalar; got shape {}",
                             value.defined() ? shape_string(value.shape()) : "undefined");
    return grad({value}, {x})[0];
}

Tensor fgsm(const ModelRef& model, const LossFn& loss, const Tensor& inputs, const Tensor& targets,
            const AttackOptions& options) {
    check_options("fgsm", inputs, options);
    detail::EvalModeScope eval(model);

    const Tensor gradient = input_gradient(model, loss, inputs, targets);
    const std::vector<double> g = values_of(gradient);
    const double direction = options.targeted ? -1.0 : 1.0;

    Tensor adversarial = inputs.detach().clone();
    update_values(adversarial, [&](double value, std::size_t i) {
        return std::clamp(value + direction * options.eps * sign(g[i]), options.clip_min,
                          options.clip_max);
    });
    return adversarial;
}

Tensor pgd(const ModelRef& model, const LossFn& loss, const Tensor& inputs, const Tensor& targets,
           const PgdOptions& options) {
    check_options("pgd", inputs, options);
    wengert::detail::require(options.steps >= 1, "pgd: steps must be at least 1; got {}",
                             options.steps);
    wengert::detail::require(options.step_size >= 0.0 && std::isfinite(options.step_size),
                             "pgd: step_size must be finite and non-negative; got {}",
                             options.step_size);
    detail::EvalModeScope eval(model);

    const double step =
        options.step_size > 0.0 ? options.step_size : 2.5 * options.eps / options.steps;
    const double direction = options.targeted ? -1.0 : 1.0;
    const std::vector<double> clean = values_of(inputs);
    const std::size_t batch = inputs.shape()[0];
    const std::size_t per_sample = clean.size() / batch;
    Generator& random = options.generator ? *options.generator : default_generator();

    Tensor x = inputs.detach().clone();
    if (options.random_start && options.eps > 0.0) {
        if (options.norm == Norm::linf) {
            update_values(x, [&](double value, std::size_t) {
                return value + options.eps * (2.0 * random.uniform() - 1.0);
            });
        } else {
            // A direction uniform on the sphere (normalised Gaussian), at a radius uniform
            // in [0, eps].
            std::vector<double> noise(clean.size());
            for (double& v : noise) {
                v = random.normal();
            }
            const std::vector<double> norms = sample_norms(noise, batch);
            std::vector<double> radius(batch);
            for (double& r : radius) {
                r = options.eps * random.uniform();
            }
            update_values(x, [&](double value, std::size_t i) {
                const std::size_t b = i / per_sample;
                return value + noise[i] / std::max(norms[b], 1e-12) * radius[b];
            });
        }
        project(x, clean, options.norm, options);
    }

    for (int s = 0; s < options.steps; ++s) {
        const std::vector<double> g = values_of(input_gradient(model, loss, x, targets));
        if (options.norm == Norm::linf) {
            update_values(x, [&](double value, std::size_t i) {
                return value + direction * step * sign(g[i]);
            });
        } else {
            const std::vector<double> norms = sample_norms(g, batch);
            update_values(x, [&](double value, std::size_t i) {
                // The epsilon keeps a zero gradient from dividing by zero (no step then).
                return value + direction * step * g[i] / (norms[i / per_sample] + 1e-12);
            });
        }
        project(x, clean, options.norm, options);
    }
    return x;
}

}  // namespace wengert::adversarial
