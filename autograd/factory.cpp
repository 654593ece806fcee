// Tensor factories and the seedable generator.
#include <cmath>
#include <cstring>
#include <numbers>

#include "tensor.hpp"
#include "tensor_impl.hpp"

namespace wengert {

namespace {

Dtype process_default_dtype = Dtype::float32;

std::size_t element_count(const Shape& shape) {
    std::size_t count = 1;
    for (std::size_t extent : shape) {
        count *= extent;
    }
    return count;
}

// Calls fill(T{}) with the element type of `dtype`.
template <class F>
Tensor with_element_type(Dtype dtype, F&& fill) {
    switch (dtype) {
        case Dtype::float32:
            return fill(float{});
        case Dtype::float64:
            return fill(double{});
        case Dtype::int64:
            return fill(std::int64_t{});
    }
    detail::internal_error("factory", "unknown dtype");
}

// Fills a new tensor of `shape` with f(i) for each row-major position i.
template <class F>
Tensor generate(const Shape& shape, Dtype dtype, F&& f) {
    return with_element_type(dtype, [&](auto tag) {
        using T = decltype(tag);
        detail::Array<T> array(shape);
        T* out = array.data();
        for (std::size_t i = 0; i < array.size(); ++i) {
            out[i] = static_cast<T>(f(i));
        }
        return detail::make_tensor(std::move(array));
    });
}

void require_random_dtype(const char* op, Dtype dtype) {
    detail::require<DtypeError>(is_floating_point(dtype),
                                "{}: draws float32 or float64 values, not {} (use randint for "
                                "integers)",
                                op, dtype_name(dtype));
}

std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

Dtype default_dtype() {
    return process_default_dtype;
}

void set_default_dtype(Dtype dtype) {
    process_default_dtype = dtype;
}

Tensor tensor(std::vector<double> values, Shape shape, Dtype dtype) {
    detail::require<ShapeError>(values.size() == element_count(shape),
                                "tensor: {} values cannot fill shape {} ({} elements)",
                                values.size(), shape_string(shape), element_count(shape));
    return generate(shape, dtype, [&](std::size_t i) { return values[i]; });
}

Tensor scalar_tensor(double value, Dtype dtype) {
    return full({}, value, dtype);
}

Tensor zeros(Shape shape, Dtype dtype) {
    return full(std::move(shape), 0.0, dtype);
}

Tensor ones(Shape shape, Dtype dtype) {
    return full(std::move(shape), 1.0, dtype);
}

Tensor full(Shape shape, double value, Dtype dtype) {
    return with_element_type(dtype, [&](auto tag) {
        using T = decltype(tag);
        detail::Array<T> array(shape, static_cast<T>(value));
        return detail::make_tensor(std::move(array));
    });
}

Tensor zeros_like(const Tensor& like) {
    return full_like(like, 0.0);
}

Tensor ones_like(const Tensor& like) {
    return full_like(like, 1.0);
}

Tensor full_like(const Tensor& like, double value) {
    detail::require_defined("full_like", like);
    return full(Shape(like.shape().begin(), like.shape().end()), value, like.dtype());
}

Tensor arange(double start, double end, double step, Dtype dtype) {
    detail::require(step != 0.0, "arange: step must be nonzero");
    detail::require((end - start) / step >= 0.0,
                    "arange: the range from {} to {} is empty or reversed for step {}", start, end,
                    step);
    const auto count = static_cast<std::size_t>(std::ceil((end - start) / step));
    return generate({count}, dtype,
                    [&](std::size_t i) { return start + static_cast<double>(i) * step; });
}

Tensor arange(double end, Dtype dtype) {
    return arange(0.0, end, 1.0, dtype);
}

// xoshiro256** seeded through splitmix64: fast, with a state small enough to checkpoint.
Generator::Generator(std::uint64_t seed) : seed_(seed), s_{} {
    manual_seed(seed);
}

void Generator::manual_seed(std::uint64_t seed) {
    seed_ = seed;
    std::uint64_t state = seed;
    for (auto& word : s_) {
        word = splitmix64(state);
    }
    has_spare_ = false;
}

std::uint64_t Generator::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Generator::uniform() {
    return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Generator::normal() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_normal_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) {
        u1 = uniform();
    }
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_normal_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
}

std::uint64_t Generator::below(std::uint64_t n) {
    detail::require(n > 0, "Generator::below: n must be positive");
    // Rejection removes the modulo bias.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = next_u64();
    while (x >= limit) {
        x = next_u64();
    }
    return x % n;
}

std::vector<std::uint64_t> Generator::state() const {
    std::uint64_t spare_bits = 0;
    std::memcpy(&spare_bits, &spare_normal_, sizeof spare_bits);
    return {seed_, s_[0], s_[1], s_[2], s_[3], spare_bits, has_spare_ ? 1u : 0u};
}

void Generator::set_state(const std::vector<std::uint64_t>& state) {
    detail::require(state.size() == 7, "Generator::set_state: expected 7 words, got {}",
                    state.size());
    seed_ = state[0];
    std::copy(state.begin() + 1, state.begin() + 5, s_);
    std::memcpy(&spare_normal_, &state[5], sizeof spare_normal_);
    has_spare_ = state[6] != 0;
}

Generator& default_generator() {
    static Generator generator(0);
    return generator;
}

void manual_seed(std::uint64_t seed) {
    default_generator().manual_seed(seed);
}

Tensor rand(Shape shape, Dtype dtype, Generator* generator) {
    return uniform(std::move(shape), 0.0, 1.0, dtype, generator);
}

Tensor uniform(Shape shape, double low, double high, Dtype dtype, Generator* generator) {
    require_random_dtype("uniform", dtype);
    detail::require(low <= high, "uniform: low {} is above high {}", low, high);
    Generator& source = generator ? *generator : default_generator();
    return generate(shape, dtype,
                    [&](std::size_t) { return low + (high - low) * source.uniform(); });
}

Tensor randn(Shape shape, Dtype dtype, Generator* generator) {
    return normal(std::move(shape), 0.0, 1.0, dtype, generator);
}

Tensor normal(Shape shape, double mean, double std, Dtype dtype, Generator* generator) {
    require_random_dtype("normal", dtype);
    detail::require(std::isfinite(std) && std >= 0.0,
                    "normal: std must be finite and non-negative; got {}", std);
    Generator& source = generator ? *generator : default_generator();
    return generate(shape, dtype, [&](std::size_t) { return mean + std * source.normal(); });
}

Tensor randint(std::int64_t low, std::int64_t high, Shape shape, Generator* generator) {
    detail::require(low < high, "randint: low {} must be below high {}", low, high);
    Generator& source = generator ? *generator : default_generator();
    const auto span = static_cast<std::uint64_t>(high - low);
    return generate(shape, Dtype::int64, [&](std::size_t) {
        return low + static_cast<std::int64_t>(source.below(span));
    });
}

Tensor randperm(std::size_t n, Generator* generator) {
    Generator& source = generator ? *generator : default_generator();
    auto order = detail::Array<std::int64_t>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
        order(i) = static_cast<std::int64_t>(i);
    }
    // Fisher-Yates, from the last position down.
    for (std::size_t i = n; i > 1; --i) {
        std::swap(order(i - 1), order(source.below(i)));
    }
    return detail::make_tensor(std::move(order));
}

}  // namespace wengert
