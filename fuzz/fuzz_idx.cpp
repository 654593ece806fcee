// libFuzzer target for parse_idx, the in-memory IDX reader that read_idx shares all its checks
// with. The contract under test: any bytes, plain or gzip, either parse or throw DataError,
// DtypeError or std::invalid_argument with a message naming the source; never a crash, a
// sanitizer report, an allocation beyond what the input can hold, or a silent wrong value.
//
// Input layout: the first byte picks the options, the rest is the file (a gzip file when it
// starts with 1f 8b):
//   bits 0-1  dtype: unset, float32, float64, int64
//   bit  2    scale
//   bit  3    gzip the rest before parsing: random bytes rarely form a valid deflate stream,
//             so this lets the fuzzer explore IDX contents through the gzip path too
// A parse with unset options is also written back with write_idx and read with read_idx,
// which must give the same type, dims and values, and for a plain input the same bytes.
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <wengert/data/idx.hpp>

using namespace wengert;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_idx: invariant broken: %s\n", what);
    std::abort();
}

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) {
            return false;
        }
    }
    return true;
}

// A scratch file per fuzzing process, on tmpfs where there is one: round trips are rare
// (most inputs are rejected), so the file costs little.
const std::filesystem::path& scratch_file() {
    static const std::filesystem::path path = [] {
        std::filesystem::path dir = "/dev/shm";
        if (!std::filesystem::is_directory(dir)) {
            dir = std::filesystem::temp_directory_path();
        }
        return dir / ("wengert_fuzz_idx_" + std::to_string(::getpid()) + ".idx");
    }();
    return path;
}

// write_idx of what was parsed, read back by read_idx, must be the same data.
void check_round_trip(const IdxData& parsed, std::span<const std::byte> input, bool gzip) {
    const auto& path = scratch_file();
    write_idx(path, parsed.values, parsed.type, gzip);
    const IdxData again = read_idx(path);
    if (again.type != parsed.type || again.dims != parsed.dims ||
        again.values.dtype() != parsed.values.dtype() ||
        !same_values(again.values.to_vector(), parsed.values.to_vector())) {
        fail("write_idx then read_idx changed the data");
    }
    if (gzip) {
        return;
    }
    // A plain file has one encoding, so the bytes come back as they were, except for float
    // NaNs, whose payload may change on the way through double.
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> written{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
    const bool equal = written.size() == input.size() &&
                       std::memcmp(written.data(), input.data(), input.size()) == 0;
    bool has_nan = false;
    for (double value : parsed.values.to_vector()) {
        has_nan = has_nan || std::isnan(value);
    }
    if (!equal && !has_nan) {
        fail("write_idx of a parsed plain file gives other bytes");
    }
}

// A parse with options holds the values of the parse without them, converted as documented.
void check_options(const IdxData& parsed, std::span<const std::byte> input,
                   const IdxReadOptions& options) {
    const IdxData plain = parse_idx(input, {}, "fuzz.idx");
    const std::vector<double> raw = plain.values.to_vector();
    std::vector<double> expected(raw.size());
    const Dtype dtype = parsed.values.dtype();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (options.scale) {
            expected[i] = dtype == kFloat32 ? static_cast<float>(raw[i]) / 255.0f : raw[i] / 255.0;
        } else {
            expected[i] = dtype == kFloat32 ? static_cast<float>(raw[i]) : raw[i];
        }
    }
    if (parsed.type != plain.type || parsed.dims != plain.dims ||
        !same_values(parsed.values.to_vector(), expected)) {
        fail("the options changed the values otherwise than documented");
    }
    // A conversion keeps finite values finite (float64 data read as float32 may not overflow).
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (std::isfinite(raw[i]) && !std::isfinite(expected[i])) {
            fail("a finite value became infinite in the requested dtype");
        }
    }
}

// The bytes as one gzip member, as gzip(1) would write them.
std::vector<std::uint8_t> gzip_bytes(const std::uint8_t* in, std::size_t n) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        fail("deflateInit2 failed");
    }
    std::vector<std::uint8_t> out(deflateBound(&stream, static_cast<uLong>(n)) + 32);
    stream.next_in = const_cast<std::uint8_t*>(in);  // zlib's API predates const
    stream.avail_in = static_cast<uInt>(n);
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) {
        fail("deflate did not finish in deflateBound's space");
    }
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

bool message_names_source(const std::exception& error) {
    return std::strncmp(error.what(), "parse_idx: fuzz.idx: ", 21) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static const std::optional<Dtype> kDtypes[] = {std::nullopt, kFloat32, kFloat64, kInt64};
    IdxReadOptions options;
    options.dtype = kDtypes[data[0] & 3];
    options.scale = (data[0] & 4) != 0;
    std::vector<std::uint8_t> compressed;
    if ((data[0] & 8) != 0) {
        compressed = gzip_bytes(data + 1, size - 1);
    }
    const auto input = compressed.empty() ? std::as_bytes(std::span(data + 1, size - 1))
                                          : std::as_bytes(std::span(compressed));
    const auto* first = reinterpret_cast<const std::uint8_t*>(input.data());
    const bool gzip = input.size() >= 2 && first[0] == 0x1f && first[1] == 0x8b;

    IdxData parsed;
    try {
        parsed = parse_idx(input, options, "fuzz.idx");
    } catch (const DataError& error) {
        if (!message_names_source(error)) {
            fail("a DataError message does not start with the function and the source");
        }
        return 0;
    } catch (const std::invalid_argument& error) {
        // DtypeError and the scale check: wrong options for the file's type.
        if (!message_names_source(error)) {
            fail("an option error does not start with the function and the source");
        }
        return 0;
    }

    if (parsed.dims.empty() || parsed.dims.size() > 4 ||
        Shape(parsed.values.shape().begin(), parsed.values.shape().end()) != parsed.dims) {
        fail("the values' shape is not the header's dims");
    }
    if (options.dtype || options.scale) {
        check_options(parsed, input, options);
    } else {
        check_round_trip(parsed, input, gzip);
    }
    return 0;
}
