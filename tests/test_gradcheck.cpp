// Drives gradcheck and gradgradcheck over every entry of the op registry, and checks that
// the registry exercises every op that ops/op_list.hpp names.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <wengert/autograd/node.hpp>
#include <wengert/ops/op_list.hpp>

#include "op_registry.hpp"

using namespace wengert;
using namespace wengert::testing;

namespace {

void collect_names(const detail::Node* root, std::set<std::string>& names) {
    std::vector<const detail::Node*> stack{root};
    std::set<const detail::Node*> seen;
    while (!stack.empty()) {
        const detail::Node* node = stack.back();
        stack.pop_back();
        if (node == nullptr || !seen.insert(node).second) {
            continue;
        }
        if (!node->is_accumulator()) {
            names.insert(node->name());
        }
        for (const auto& next : node->next()) {
            stack.push_back(next.get());
        }
    }
}

GradcheckOptions options_for(const OpEntry& entry) {
    GradcheckOptions options;
    options.atol = entry.atol;
    options.rtol = entry.rtol;
    options.eps = entry.eps;
    options.raise_exception = false;
    return options;
}

}  // namespace

TEST_SUITE("gradcheck registry") {
    TEST_CASE("every registered op passes gradcheck in float64") {
        for (const OpEntry& entry : op_registry()) {
            for (const Sample& s : entry.samples) {
                Generator generator(17);
                TensorList inputs = s.make(generator);
                auto f = [&entry](const TensorList& x) { return TensorList{entry.fn(x)}; };
                GradcheckResult result = gradcheck(f, inputs, options_for(entry));
                INFO(entry.name, " [", s.label, "]: ", result.message);
                CHECK(result.passed);
            }
        }
    }

    TEST_CASE("ops marked second order pass gradgradcheck") {
        for (const OpEntry& entry : op_registry()) {
            if (!entry.second_order) {
                continue;
            }
            for (const Sample& s : entry.samples) {
                Generator generator(23);
                TensorList inputs = s.make(generator);
                auto f = [&entry](const TensorList& x) { return TensorList{entry.fn(x)}; };
                GradcheckResult result = gradgradcheck(f, inputs, options_for(entry));
                INFO(entry.name, " [", s.label, "]: ", result.message);
                CHECK(result.passed);
            }
        }
    }

    TEST_CASE("the registry exercises every op in op_list.hpp and nothing unlisted") {
        std::set<std::string> seen;
        for (const OpEntry& entry : op_registry()) {
            for (const Sample& s : entry.samples) {
                Generator generator(5);
                TensorList inputs = s.make(generator);
                Tensor out = entry.fn(inputs);
                collect_names(out.grad_fn(), seen);
                // The first derivative's graph holds the ops that backward formulas use.
                TensorList differentiable;
                for (const Tensor& input : inputs) {
                    if (input.requires_grad()) {
                        differentiable.push_back(input);
                    }
                }
                Tensor seed = ones_like(out).requires_grad_();
                for (const Tensor& g : grad({out}, differentiable, {seed}, true, true, true)) {
                    if (g.defined() && g.grad_fn() != nullptr) {
                        collect_names(g.grad_fn(), seen);
                    }
                }
            }
        }
        const std::set<std::string> listed(kOpNames.begin(), kOpNames.end());
        for (const std::string& name : listed) {
            INFO("op_list.hpp names '", name, "' but no registry entry exercises it");
            CHECK(seen.count(name) == 1);
        }
        for (const std::string& name : seen) {
            INFO("a registry graph holds node '", name, "', which op_list.hpp does not list");
            CHECK(listed.count(name) == 1);
        }
    }
}

TEST_SUITE("gradcheck api") {
    TEST_CASE("a wrong gradient is reported with input, element, analytic and numeric values") {
        // Records exp with a deliberately wrong derivative (2 e^x instead of e^x).
        auto wrong_exp = [](const TensorList& x) {
            Tensor y = exp(x[0]).detach();
            return detail::record("wrong_exp", detail::AnyArray(detail::array_of(y)), {x[0]},
                                  [y](const detail::BackwardCall& call) -> TensorList {
                                      return {mul(mul(call.grad_output, y), 2.0)};
                                  });
        };
        Tensor x = tensor({0.1, 0.2}, {2}, kFloat64).requires_grad_();
        GradcheckOptions options;
        options.raise_exception = false;
        GradcheckResult result = gradcheck(
            [&](const TensorList& in) { return TensorList{wrong_exp(in)}; }, {x}, options);
        CHECK_FALSE(result.passed);
        CHECK(result.message.find("input 0") != std::string::npos);
        CHECK(result.message.find("element 0") != std::string::npos);
        CHECK(result.message.find("analytic 2.21") != std::string::npos);
        CHECK(result.message.find("numeric 1.10") != std::string::npos);
        CHECK_THROWS_AS(gradcheck(wrong_exp, {x}), GradcheckError);
    }

    TEST_CASE("gradcheck catches a gradient accumulated twice by a reused buffer") {
        // A backward that adds into a buffer it keeps gives a different answer each run.
        auto buffer = std::make_shared<Tensor>(zeros({1}, kFloat64));
        auto leaky = [buffer](const TensorList& x) {
            return detail::record("leaky", detail::AnyArray(detail::array_of(mul(x[0], 1.0))),
                                  {x[0]}, [buffer](const detail::BackwardCall& call) -> TensorList {
                                      *buffer = add(*buffer, call.grad_output);
                                      return {*buffer};
                                  });
        };
        Tensor x = tensor({0.5}, {1}, kFloat64).requires_grad_();
        CHECK_THROWS_WITH_AS(gradcheck(leaky, {x}), doctest::Contains("reentrant"), GradcheckError);
    }

    TEST_CASE("gradcheck rejects float32 inputs") {
        Tensor x = ones({2}).requires_grad_();
        CHECK_THROWS_AS(gradcheck([](const TensorList& in) { return exp(in[0]); }, {x}),
                        DtypeError);
    }
}
