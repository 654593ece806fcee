// Registry entries: convolutions and pooling.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

// The first derivative of f at (inputs..., v) with respect to the inputs, as one tensor, so
// that gradcheck of it checks the backward ops' own backward (second order) and the graph
// walk sees the ops that backward records.
Tensor first_derivative(const std::function<Tensor(const TensorList&)>& f, const TensorList& x,
                        std::size_t wrt) {
    // gradgradcheck evaluates once under NoGradGuard for the output's shape.
    const bool recording = is_grad_enabled();
    GradModeGuard enable(true);
    TensorList inputs(x.begin(), x.end() - 1);
    Tensor out = f(inputs);
    Tensor derivative = grad({out}, {inputs[wrt]}, {x.back()}, true, true)[0];
    return recording ? derivative : derivative.detach();
}

void register_conv(std::vector<OpEntry>& r) {
    r.push_back({"conv2d",
                 [](const TensorList& x) { return conv2d(x[0], x[1], x[2]); },
                 {sample("3x3 kernel with bias", {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}}),
                  sample("1x1 kernel", {{1, 3, 3, 2}, {2, 3, 1, 1}, {2}})}});
    r.push_back({"conv2d no bias",
                 [](const TensorList& x) { return conv2d(x[0], x[1]); },
                 {sample("non-square kernel", {{2, 2, 4, 5}, {2, 2, 2, 3}})}});
    r.push_back({"conv2d stride 2 padding 1",
                 [](const TensorList& x) { return conv2d(x[0], x[1], x[2], 2, 1); },
                 {sample("(1,2,5,5)", {{1, 2, 5, 5}, {3, 2, 3, 3}, {3}}),
                  sample("even input", {{2, 1, 4, 6}, {2, 1, 3, 2}, {2}})}});
    r.push_back({"conv2d stride (2,1) padding (0,2) dilation (1,2)",
                 [](const TensorList& x) {
                     return conv2d(x[0], x[1], x[2], {2, 1}, {0, 2}, {1, 2});
                 },
                 {sample("(2,2,5,4)", {{2, 2, 5, 4}, {2, 2, 2, 3}, {2}})}});
    r.push_back({"conv2d dilation 2",
                 [](const TensorList& x) { return conv2d(x[0], x[1], Tensor(), 1, 1, 2); },
                 {sample("(1,2,5,5)", {{1, 2, 5, 5}, {2, 2, 2, 2}})}});
    r.push_back({"conv2d groups 2",
                 [](const TensorList& x) { return conv2d(x[0], x[1], x[2], 1, 1, 1, 2); },
                 {sample("(2,4,4,4)", {{2, 4, 4, 4}, {6, 2, 3, 3}, {6}})}});
    r.push_back({"conv2d depthwise stride 2",
                 [](const TensorList& x) { return conv2d(x[0], x[1], Tensor(), 2, 1, 1, 3); },
                 {sample("(1,3,5,5)", {{1, 3, 5, 5}, {3, 1, 3, 3}})}});
    r.push_back({"conv1d",
                 [](const TensorList& x) { return conv1d(x[0], x[1], x[2]); },
                 {sample("(2,2,7)", {{2, 2, 7}, {3, 2, 3}, {3}})}});
    r.push_back({"conv1d stride 2 padding 2 dilation 2 groups 2",
                 [](const TensorList& x) { return conv1d(x[0], x[1], x[2], 2, 2, 2, 2); },
                 {sample("(2,4,8)", {{2, 4, 8}, {4, 2, 3}, {4}})}});
    r.push_back({"conv_transpose2d",
                 [](const TensorList& x) { return conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); },
                 {sample("stride 2 output_padding 1", {{2, 3, 3, 3}, {3, 2, 3, 3}, {2}})}});
    r.push_back(
        {"conv_transpose2d groups 2 dilation 2",
         [](const TensorList& x) { return conv_transpose2d(x[0], x[1], Tensor(), 1, 0, 0, 2, 2); },
         {sample("(1,4,3,3)", {{1, 4, 3, 3}, {4, 1, 2, 2}})}});
    // Backward of backward: the input gradient of conv2d with respect to (input, weight)
    // and the seed, which runs conv_transpose2d and conv2d_weight_grad's own backward.
    r.push_back({"conv2d input gradient",
                 [](const TensorList& x) {
                     auto f = [](const TensorList& y) {
                         return conv2d(y[0], y[1], Tensor(), 2, 1, 1, 1);
                     };
                     return first_derivative(f, x, 0);
                 },
                 {sample("(1,2,4,4)", {{1, 2, 4, 4}, {2, 2, 3, 3}, {1, 2, 2, 2}})}});
    r.push_back({"conv2d weight gradient",
                 [](const TensorList& x) {
                     auto f = [](const TensorList& y) {
                         return conv2d(y[0], y[1], Tensor(), 1, {1, 0}, 1, 2);
                     };
                     return first_derivative(f, x, 1);
                 },
                 {sample("groups 2", {{2, 2, 3, 4}, {2, 1, 2, 2}, {2, 2, 4, 3}})}});
}

void register_pool(std::vector<OpEntry>& r) {
    r.push_back({"max_pool2d 2x2",
                 [](const TensorList& x) { return max_pool2d(x[0], 2); },
                 {sample("(2,2,4,4)", {{2, 2, 4, 4}}), sample("3-D odd size", {{2, 5, 5}})}});
    r.push_back({"max_pool2d overlapping, padding, ceil_mode",
                 [](const TensorList& x) { return max_pool2d(x[0], 3, 2, 1, 1, true); },
                 {sample("(1,2,6,5)", {{1, 2, 6, 5}})}});
    r.push_back({"max_pool2d (2,3) stride (1,2) dilation (2,1)",
                 [](const TensorList& x) {
                     return max_pool2d(x[0], {2, 3}, IntPair{1, 2}, {1, 1}, {2, 1});
                 },
                 {sample("(1,1,5,6)", {{1, 1, 5, 6}})}});
    r.push_back({"max_pool2d input gradient",
                 [](const TensorList& x) {
                     auto f = [](const TensorList& y) { return max_pool2d(y[0], 3, 2, 1); };
                     return first_derivative(f, x, 0);
                 },
                 {sample("(1,2,5,5) and seed", {{1, 2, 5, 5}, {1, 2, 3, 3}})}});
    r.push_back({"avg_pool2d 2x2",
                 [](const TensorList& x) { return avg_pool2d(x[0], 2); },
                 {sample("(2,2,4,4)", {{2, 2, 4, 4}}), sample("3-D odd size", {{2, 5, 5}})}});
    r.push_back({"avg_pool2d padding, ceil_mode, count_include_pad",
                 [](const TensorList& x) { return avg_pool2d(x[0], 3, 2, 1, true, true); },
                 {sample("(1,2,6,5)", {{1, 2, 6, 5}})}});
    r.push_back({"avg_pool2d padding without pad in the count",
                 [](const TensorList& x) {
                     return avg_pool2d(x[0], {3, 2}, IntPair{2, 1}, {1, 1}, false, false);
                 },
                 {sample("(1,1,5,4)", {{1, 1, 5, 4}})}});
    r.push_back(
        {"avg_pool2d divisor_override",
         [](const TensorList& x) { return avg_pool2d(x[0], 2, std::nullopt, 0, false, true, 3); },
         {sample("(1,1,4,4)", {{1, 1, 4, 4}})}});
    r.push_back({"avg_pool2d input gradient",
                 [](const TensorList& x) {
                     auto f = [](const TensorList& y) { return avg_pool2d(y[0], 3, 2, 1); };
                     return first_derivative(f, x, 0);
                 },
                 {sample("(1,2,5,5) and seed", {{1, 2, 5, 5}, {1, 2, 3, 3}})}});
    r.push_back(
        {"adaptive_avg_pool2d",
         [](const TensorList& x) {
             return adaptive_avg_pool2d(x[0], {3, 2});
         },
         {sample("5x7 to 3x2", {{2, 1, 5, 7}}), sample("3-D upsampling 2x2 to 3x2", {{2, 2, 2}})}});
    r.push_back({"adaptive_avg_pool2d input gradient",
                 [](const TensorList& x) {
                     auto f = [](const TensorList& y) { return adaptive_avg_pool2d(y[0], 3); };
                     return first_derivative(f, x, 0);
                 },
                 {sample("(1,1,5,4) and seed", {{1, 1, 5, 4}, {1, 1, 3, 3}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_conv);
WENGERT_REGISTER_OPS(register_pool);

}  // namespace wengert::testing
