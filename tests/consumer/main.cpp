#include <wengert/wengert.hpp>

#include <cstdio>

int main() {
    using namespace wengert;
    Tensor w = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
    sum(mul(w, w)).backward();
    const auto g = w.grad().to_vector();
    std::printf("consumer: grad = [%g, %g]\n", g[0], g[1]);
    return g[0] == 2.0 && g[1] == 4.0 ? 0 : 1;
}
