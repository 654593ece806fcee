#include "op_registry.hpp"

#include <cmath>

namespace wengert::testing {

Tensor sample_tensor(const Shape& shape, Domain domain, Generator& generator, bool requires_grad) {
    std::size_t count = 1;
    for (std::size_t extent : shape) {
        count *= extent;
    }
    std::vector<double> values(count);
    for (double& value : values) {
        const double z = generator.normal();
        switch (domain) {
        case Domain::any: value = z; break;
        case Domain::positive: value = std::abs(z) + 0.5; break;
        case Domain::away_from_zero: value = std::copysign(std::abs(z) + 0.3, z); break;
        case Domain::unit_interval: value = 0.1 + 0.8 * generator.uniform(); break;
        }
    }
    Tensor t = tensor(values, shape, kFloat64);
    if (requires_grad) {
        t.requires_grad_();
    }
    return t;
}

Sample sample(std::string label, std::vector<Shape> shapes, Domain domain) {
    return {std::move(label), [shapes, domain](Generator& generator) {
                TensorList inputs;
                for (const Shape& shape : shapes) {
                    inputs.push_back(sample_tensor(shape, domain, generator));
                }
                return inputs;
            }};
}

namespace {
std::vector<RegisterFn>& registrations() {
    static std::vector<RegisterFn> functions;
    return functions;
}
}  // namespace

bool add_registration(RegisterFn fn) {
    registrations().push_back(fn);
    return true;
}

const std::vector<OpEntry>& op_registry() {
    static const std::vector<OpEntry> registry = [] {
        std::vector<OpEntry> entries;
        for (RegisterFn fn : registrations()) {
            fn(entries);
        }
        return entries;
    }();
    return registry;
}

}  // namespace wengert::testing
