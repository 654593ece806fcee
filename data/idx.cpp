// IDX reading and writing. Everything in an outside file is checked before it is trusted:
// the header, every dimension, their product, and the byte count against the data present.
#include "idx.hpp"

#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "../autograd/tensor_impl.hpp"

namespace wengert {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 16;
// Deflate never compresses better than about 1032:1, which bounds what a gzip file can hold.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::string dims_string(const Shape& dims) {
    return shape_string(dims);
}

std::size_t element_size(IdxType type) {
    switch (type) {
        case IdxType::uint8:
        case IdxType::int8:
            return 1;
        case IdxType::int16:
            return 2;
        case IdxType::int32:
        case IdxType::float32:
            return 4;
        case IdxType::float64:
            return 8;
    }
    return 0;
}

bool is_known_type(std::uint8_t code) {
    return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D ||
           code == 0x0E;
}

// The undecoded bytes: a file (read_idx) or a caller's buffer (parse_idx).
class RawInput {
public:
    virtual ~RawInput() = default;
    /// Copies up to n bytes; fewer only at the end.
    virtual std::size_t read(std::uint8_t* out, std::size_t n) = 0;
};

class FileInput final : public RawInput {
public:
    explicit FileInput(std::ifstream& in) : in_(in) {}

    std::size_t read(std::uint8_t* out, std::size_t n) override {
        in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
        return static_cast<std::size_t>(in_.gcount());
    }

private:
    std::ifstream& in_;
};

class MemoryInput final : public RawInput {
public:
    explicit MemoryInput(std::span<const std::byte> bytes) : bytes_(bytes) {}

    std::size_t read(std::uint8_t* out, std::size_t n) override {
        const std::size_t got = std::min(n, bytes_.size() - at_);
        if (got > 0) {
            std::memcpy(out, bytes_.data() + at_, got);
        }
        at_ += got;
        return got;
    }

private:
    std::span<const std::byte> bytes_;
    std::size_t at_ = 0;
};

// Where the IDX bytes come from: the input itself, or its gzip stream inflated on the fly.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Reads up to n bytes; fewer only at the end of the data.
    virtual std::size_t read(std::uint8_t* out, std::size_t n) = 0;
    /// An upper bound on the bytes still to come, checked before allocating for a header.
    virtual std::uint64_t max_remaining() const = 0;
    /// "the file" or "the decompressed data", for messages.
    virtual const char* what() const = 0;
};

class PlainSource : public ByteSource {
public:
    PlainSource(RawInput& in, std::uint64_t size, const char* what)
        : in_(in), remaining_(size), what_(what) {}

    std::size_t read(std::uint8_t* out, std::size_t n) override {
        const std::size_t got = in_.read(out, n);
        remaining_ -= std::min<std::uint64_t>(remaining_, got);
        return got;
    }
    std::uint64_t max_remaining() const override { return remaining_; }
    const char* what() const override { return what_; }

private:
    RawInput& in_;
    std::uint64_t remaining_;
    const char* what_;
};

class GzipSource : public ByteSource {
public:
    GzipSource(RawInput& in, std::uint64_t size, std::string where)
        : in_(in), compressed_size_(size), where_(std::move(where)), buffer_(kChunk) {
        // 16 + MAX_WBITS: a gzip wrapper only, whose CRC and length zlib verifies at the end.
        if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
            throw DataError(fmt::format("{}: cannot initialise zlib", where_));
        }
    }
    ~GzipSource() override { inflateEnd(&stream_); }
    GzipSource(const GzipSource&) = delete;
    GzipSource& operator=(const GzipSource&) = delete;

    std::size_t read(std::uint8_t* out, std::size_t n) override {
        stream_.next_out = out;
        stream_.avail_out = static_cast<uInt>(n);
        while (stream_.avail_out > 0 && !ended_) {
            if (stream_.avail_in == 0 && !refill()) {
                throw DataError(
                    fmt::format("{}: corrupt gzip stream: the compressed data ends after {} bytes "
                                "before the end of the stream (truncated file?)",
                                where_, compressed_size_));
            }
            const int rc = inflate(&stream_, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                next_member();
            } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && stream_.avail_in == 0)) {
                throw DataError(
                    fmt::format("{}: corrupt gzip stream ({}) near "
                                "compressed byte {}",
                                where_, stream_.msg ? stream_.msg : zError(rc), consumed()));
            }
        }
        return n - stream_.avail_out;
    }

    std::uint64_t max_remaining() const override {
        return compressed_size_ * kMaxDeflateRatio + 1024;
    }
    const char* what() const override { return "the decompressed data"; }

private:
    bool refill() {
        const std::size_t got = in_.read(buffer_.data(), kChunk);
        read_from_file_ += got;
        stream_.next_in = buffer_.data();
        stream_.avail_in = static_cast<uInt>(got);
        return got > 0;
    }

    std::uint64_t consumed() const { return read_from_file_ - stream_.avail_in; }

    // A gzip file may hold several members back to back (gzip's own rule); anything else
    // after the end of a stream is garbage.
    void next_member() {
        if (stream_.avail_in == 0 && !refill()) {
            ended_ = true;
            return;
        }
        if (stream_.avail_in < 2 && stream_.next_in[0] == 0x1f) {
            refill_keeping_tail();
        }
        if (stream_.avail_in >= 2 && stream_.next_in[0] == 0x1f && stream_.next_in[1] == 0x8b) {
            inflateReset(&stream_);
            return;
        }
        throw DataError(
            fmt::format("{}: {} bytes of trailing garbage after the end "
                        "of the gzip stream",
                        where_, compressed_size_ - consumed()));
    }

    // The rare case of a member boundary at the last byte of the buffer.
    void refill_keeping_tail() {
        const std::uint8_t first = stream_.next_in[0];
        const std::size_t got = in_.read(buffer_.data() + 1, kChunk - 1);
        read_from_file_ += got;
        buffer_[0] = first;
        stream_.next_in = buffer_.data();
        stream_.avail_in = static_cast<uInt>(got + 1);
    }

    RawInput& in_;
    std::uint64_t compressed_size_;
    std::string where_;
    std::vector<std::uint8_t> buffer_;
    z_stream stream_{};
    std::uint64_t read_from_file_ = 0;
    bool ended_ = false;
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

std::uint64_t big_endian_u64(const std::uint8_t* p) {
    return (std::uint64_t{big_endian_u32(p)} << 32) | big_endian_u32(p + 4);
}

// The value of element i of a big-endian buffer of `type`.
double decode(IdxType type, const std::uint8_t* p) {
    switch (type) {
        case IdxType::uint8:
            return p[0];
        case IdxType::int8:
            return static_cast<std::int8_t>(p[0]);
        case IdxType::int16:
            return static_cast<std::int16_t>(static_cast<std::uint16_t>((p[0] << 8) | p[1]));
        case IdxType::int32:
            return static_cast<std::int32_t>(big_endian_u32(p));
        case IdxType::float32:
            return std::bit_cast<float>(big_endian_u32(p));
        case IdxType::float64:
            return std::bit_cast<double>(big_endian_u64(p));
    }
    return 0.0;
}

template <class T>
void convert(IdxType type, const std::uint8_t* in, std::size_t count, T* out, bool scale) {
    const std::size_t width = element_size(type);
    if (type == IdxType::uint8) {
        // The common case (images, labels) without the per-element switch.
        for (std::size_t i = 0; i < count; ++i) {
            if constexpr (std::is_floating_point_v<T>) {
                out[i] = scale ? static_cast<T>(in[i]) / T(255) : static_cast<T>(in[i]);
            } else {
                out[i] = static_cast<T>(in[i]);
            }
        }
        return;
    }
    for (std::size_t i = 0; i < count; ++i) {
        out[i] = static_cast<T>(decode(type, in + i * width));
    }
}

Dtype output_dtype(const std::string& where, IdxType type, const IdxReadOptions& options) {
    const bool is_float = type == IdxType::float32 || type == IdxType::float64;
    if (options.scale && type != IdxType::uint8) {
        throw std::invalid_argument(
            fmt::format("{}: scale divides uint8 values by 255, but the file holds {}", where,
                        idx_type_name(type)));
    }
    if (options.dtype) {
        detail::require<DtypeError>(!(is_float && *options.dtype == kInt64),
                                    "{}: the file holds {} values; reading them as "
                                    "int64 would truncate them",
                                    where, idx_type_name(type));
        detail::require<DtypeError>(!(options.scale && *options.dtype == kInt64),
                                    "{}: scaled values need a float dtype, not int64", where);
        return *options.dtype;
    }
    if (options.scale || type == IdxType::float32) {
        return kFloat32;
    }
    return type == IdxType::float64 ? kFloat64 : kInt64;
}

struct Header {
    IdxType type;
    Shape dims;
    std::uint64_t count;
    std::uint64_t bytes;
    std::size_t size;  // header bytes
};

Header read_header(ByteSource& source, const std::string& where) {
    std::uint8_t magic[4] = {};
    const std::size_t got = source.read(magic, 4);
    if (got < 4) {
        throw DataError(
            fmt::format("{}: truncated: expected a 4-byte IDX header, {} "
                        "holds {} bytes",
                        where, source.what(), got));
    }
    if (magic[0] != 0 || magic[1] != 0) {
        throw DataError(
            fmt::format("{}: bad magic: expected two zero bytes, a type "
                        "code and a dimension count; found {:02x} {:02x} {:02x} "
                        "{:02x} (not an IDX file?)",
                        where, magic[0], magic[1], magic[2], magic[3]));
    }
    if (!is_known_type(magic[2])) {
        throw DataError(
            fmt::format("{}: bad magic: unknown element type code 0x{:02x}; "
                        "expected 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c "
                        "(int32), 0x0d (float32) or 0x0e (float64)",
                        where, magic[2]));
    }
    if (magic[3] < 1 || magic[3] > 4) {
        throw DataError(
            fmt::format("{}: bad magic: expected 1 to 4 dimensions, the "
                        "header declares {}",
                        where, magic[3]));
    }

    Header header{static_cast<IdxType>(magic[2]), {}, 1, 0, 4 + 4 * std::size_t{magic[3]}};
    std::uint8_t raw[16] = {};
    const std::size_t want = 4 * std::size_t{magic[3]};
    const std::size_t have = source.read(raw, want);
    if (have < want) {
        throw DataError(
            fmt::format("{}: truncated: the header declares {} dimensions "
                        "({} bytes of sizes), {} holds only {} of them",
                        where, magic[3], want, source.what(), have));
    }
    for (std::size_t i = 0; i < magic[3]; ++i) {
        const std::uint32_t extent = big_endian_u32(raw + 4 * i);
        if (extent == 0 || extent > 0x7fffffffu) {
            throw DataError(
                fmt::format("{}: dimension {} is {}; expected a size from 1 "
                            "to 2^31 - 1",
                            where, i, extent));
        }
        header.dims.push_back(extent);
    }
    for (std::size_t extent : header.dims) {
        if (__builtin_mul_overflow(header.count, std::uint64_t{extent}, &header.count)) {
            throw DataError(
                fmt::format("{}: the dimensions {} overflow a 64-bit "
                            "element count",
                            where, dims_string(header.dims)));
        }
    }
    const std::uint64_t width = element_size(header.type);
    if (__builtin_mul_overflow(header.count, width, &header.bytes) ||
        header.bytes > std::numeric_limits<std::size_t>::max() / 8) {
        throw DataError(
            fmt::format("{}: the dimensions {} of {} declare more data "
                        "than memory can hold",
                        where, dims_string(header.dims), idx_type_name(header.type)));
    }
    return header;
}

[[noreturn]] void throw_truncated(const std::string& where, const Header& header,
                                  const ByteSource& source, std::uint64_t found) {
    throw DataError(
        fmt::format("{}: truncated: the dimensions {} declare {} bytes of "
                    "{} data, {} holds {}",
                    where, dims_string(header.dims), header.bytes, idx_type_name(header.type),
                    source.what(), found));
}

// float64 data read as float32: a finite value beyond float32's range would become infinity
// (and the conversion is undefined behaviour in C++), so it is an error naming the value.
void check_float32_range(const std::string& where, const std::uint8_t* in, std::size_t count,
                         std::uint64_t first) {
    // The largest float plus half its last unit: doubles from here on round to infinity.
    constexpr double kFloat32Overflow = 0x1.ffffffp+127;
    for (std::size_t i = 0; i < count; ++i) {
        const double value = std::bit_cast<double>(big_endian_u64(in + 8 * i));
        if (std::isfinite(value) && std::abs(value) >= kFloat32Overflow) {
            throw DataError(
                fmt::format("{}: float64 value {} at flat position {} is outside the range of "
                            "float32 (largest {}); read the file as float64",
                            where, value, first + i, std::numeric_limits<float>::max()));
        }
    }
}

// Reads the values chunk by chunk into a new tensor of the output dtype.
Tensor read_values(ByteSource& source, const std::string& where, const Header& header, Dtype dtype,
                   bool scale) {
    auto fill = [&](auto tag) {
        using T = decltype(tag);
        detail::Array<T> array(header.dims);
        const std::size_t width = element_size(header.type);
        const std::size_t per_chunk = kChunk / width;
        std::vector<std::uint8_t> chunk(per_chunk * width);
        std::uint64_t done = 0;
        while (done < header.count) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(per_chunk, header.count - done));
            const std::size_t got = source.read(chunk.data(), n * width);
            if (got < n * width) {
                throw_truncated(where, header, source, done * width + got);
            }
            if constexpr (std::is_same_v<T, float>) {
                if (header.type == IdxType::float64) {
                    check_float32_range(where, chunk.data(), n, done);
                }
            }
            convert(header.type, chunk.data(), n, array.data() + done, scale);
            done += n;
        }
        return detail::make_tensor(std::move(array));
    };
    switch (dtype) {
        case Dtype::float32:
            return fill(float{});
        case Dtype::float64:
            return fill(double{});
        case Dtype::int64:
            return fill(std::int64_t{});
    }
    detail::internal_error("read_idx", "unknown dtype");
}

std::vector<std::uint8_t> inflate_all(ByteSource& source, const std::string& where,
                                      const Header& header) {
    std::vector<std::uint8_t> raw;
    while (raw.size() < header.bytes) {
        const std::size_t at = raw.size();
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, header.bytes - at));
        raw.resize(at + n);  // grows the capacity geometrically
        const std::size_t got = source.read(raw.data() + at, n);
        if (got < n) {
            throw_truncated(where, header, source, at + got);
        }
    }
    return raw;
}

void check_end(ByteSource& source, const std::string& where, const Header& header) {
    std::vector<std::uint8_t> rest(kChunk);
    std::uint64_t extra = 0;
    for (std::size_t got = source.read(rest.data(), kChunk); got > 0;
         got = source.read(rest.data(), kChunk)) {
        extra += got;
    }
    if (extra > 0) {
        throw DataError(
            fmt::format("{}: {} bytes of trailing garbage: the dimensions "
                        "{} declare {} data bytes, {} holds {}",
                        where, extra, dims_string(header.dims), header.bytes, source.what(),
                        header.bytes + extra));
    }
}

}  // namespace

const char* idx_type_name(IdxType type) {
    switch (type) {
        case IdxType::uint8:
            return "uint8";
        case IdxType::int8:
            return "int8";
        case IdxType::int16:
            return "int16";
        case IdxType::int32:
            return "int32";
        case IdxType::float32:
            return "float32";
        case IdxType::float64:
            return "float64";
    }
    return "unknown";
}

namespace {

bool has_gzip_magic(const std::uint8_t* first, std::size_t n) {
    return n >= 2 && first[0] == 0x1f && first[1] == 0x8b;
}

// Everything after the input is open: read_idx and parse_idx share every check. `where` is
// "<function>: <name>", the start of every message.
IdxData parse_input(RawInput& input, std::uint64_t size, bool gzip, const std::string& where,
                    const char* plain_what, const IdxReadOptions& options) {
    std::unique_ptr<ByteSource> source;
    if (gzip) {
        source = std::make_unique<GzipSource>(input, size, where);
    } else {
        source = std::make_unique<PlainSource>(input, size, plain_what);
    }

    const Header header = read_header(*source, where);
    const Dtype dtype = output_dtype(where, header.type, options);
    // Refuse a header that declares more than the input can hold before allocating for it.
    if (header.bytes > source->max_remaining()) {
        if (gzip) {
            throw DataError(fmt::format(
                "{}: corrupt or truncated: the dimensions {} declare {} bytes of "
                "{} data, more than {} bytes of gzip data can hold",
                where, dims_string(header.dims), header.bytes, idx_type_name(header.type), size));
        }
        throw_truncated(where, header, *source, source->max_remaining());
    }

    IdxData result;
    result.type = header.type;
    result.dims = header.dims;
    if (!gzip) {
        result.values = read_values(*source, where, header, dtype, options.scale);
        check_end(*source, where, header);
        return result;
    }
    // Gzip data may declare up to about 1000 times its compressed size, so its bytes are
    // inflated first into a buffer that grows as they arrive: a forged header then fails as
    // truncated having cost the memory of the data present, not of the tensor it declares.
    const std::vector<std::uint8_t> raw = inflate_all(*source, where, header);
    check_end(*source, where, header);
    MemoryInput inflated(std::as_bytes(std::span(raw)));
    PlainSource plain(inflated, raw.size(), source->what());
    result.values = read_values(plain, where, header, dtype, options.scale);
    return result;
}

}  // namespace

IdxData read_idx(const std::filesystem::path& file, const IdxReadOptions& options) {
    const std::string path = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw DataError(fmt::format("read_idx: cannot open {}: {}", path, std::strerror(errno)));
    }
    std::error_code error;
    const std::uint64_t file_size = std::filesystem::file_size(file, error);
    if (error) {
        throw DataError(
            fmt::format("read_idx: cannot read the size of {}: {}", path, error.message()));
    }

    // Sniff the gzip magic (1f 8b) rather than trusting the file name.
    std::uint8_t sniff[2] = {};
    in.read(reinterpret_cast<char*>(sniff), 2);
    const bool gzip = has_gzip_magic(sniff, static_cast<std::size_t>(in.gcount()));
    in.clear();
    in.seekg(0);
    FileInput input(in);
    return parse_input(input, file_size, gzip, "read_idx: " + path, "the file", options);
}

IdxData parse_idx(std::span<const std::byte> bytes, const IdxReadOptions& options,
                  std::string_view source) {
    const bool gzip =
        has_gzip_magic(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    MemoryInput input(bytes);
    return parse_input(input, bytes.size(), gzip, fmt::format("parse_idx: {}", source),
                       "the buffer", options);
}

namespace {

void encode(IdxType type, double value, std::uint8_t* out) {
    auto put32 = [out](std::uint32_t bits) {
        out[0] = static_cast<std::uint8_t>(bits >> 24);
        out[1] = static_cast<std::uint8_t>(bits >> 16);
        out[2] = static_cast<std::uint8_t>(bits >> 8);
        out[3] = static_cast<std::uint8_t>(bits);
    };
    switch (type) {
        case IdxType::uint8:
            out[0] = static_cast<std::uint8_t>(value);
            return;
        case IdxType::int8:
            out[0] = static_cast<std::uint8_t>(static_cast<std::int8_t>(value));
            return;
        case IdxType::int16: {
            const auto bits = static_cast<std::uint16_t>(static_cast<std::int16_t>(value));
            out[0] = static_cast<std::uint8_t>(bits >> 8);
            out[1] = static_cast<std::uint8_t>(bits);
            return;
        }
        case IdxType::int32:
            put32(static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
            return;
        case IdxType::float32:
            put32(std::bit_cast<std::uint32_t>(static_cast<float>(value)));
            return;
        case IdxType::float64: {
            const auto bits = std::bit_cast<std::uint64_t>(value);
            for (int b = 0; b < 8; ++b) {
                out[b] = static_cast<std::uint8_t>(bits >> (56 - 8 * b));
            }
            return;
        }
    }
}

std::pair<double, double> integer_range(IdxType type) {
    switch (type) {
        case IdxType::uint8:
            return {0, 255};
        case IdxType::int8:
            return {-128, 127};
        case IdxType::int16:
            return {-32768, 32767};
        case IdxType::int32:
            return {-2147483648.0, 2147483647.0};
        default:
            return {0, 0};
    }
}

}  // namespace

void write_idx(const std::filesystem::path& file, const Tensor& values, IdxType type,
               bool compress) {
    const std::string path = file.string();
    detail::require_defined("write_idx", values, "values");
    detail::require<ShapeError>(values.dim() >= 1 && values.dim() <= 4,
                                "write_idx: {}: IDX files here hold 1 to 4 dimensions; values "
                                "have shape {}",
                                path, shape_string(values.shape()));
    for (std::size_t extent : values.shape()) {
        detail::require<ShapeError>(extent >= 1 && extent <= 0x7fffffffu,
                                    "write_idx: {}: every dimension must be 1 to 2^31 - 1; "
                                    "values have shape {}",
                                    path, shape_string(values.shape()));
    }

    // Header and values into one buffer, checking each value against the element type.
    const std::size_t width = element_size(type);
    std::vector<std::uint8_t> bytes(4 + 4 * values.dim() + values.numel() * width);
    bytes[2] = static_cast<std::uint8_t>(type);
    bytes[3] = static_cast<std::uint8_t>(values.dim());
    for (std::size_t i = 0; i < values.dim(); ++i) {
        const auto extent = static_cast<std::uint32_t>(values.shape()[i]);
        for (int b = 0; b < 4; ++b) {
            bytes[4 + 4 * i + static_cast<std::size_t>(b)] =
                static_cast<std::uint8_t>(extent >> (24 - 8 * b));
        }
    }
    const bool integer = type != IdxType::float32 && type != IdxType::float64;
    const auto [low, high] = integer_range(type);
    std::uint8_t* out = bytes.data() + 4 + 4 * values.dim();
    const std::vector<double> flat = values.to_vector();
    for (std::size_t i = 0; i < flat.size(); ++i) {
        const double v = flat[i];
        detail::require(!integer || (v == std::floor(v) && v >= low && v <= high),
                        "write_idx: {}: value {} at flat position {} is not representable as {}",
                        path, v, i, idx_type_name(type));
        encode(type, v, out + i * width);
    }

    if (compress) {
        gzFile gz = gzopen(path.c_str(), "wb");
        if (gz == nullptr) {
            throw DataError(
                fmt::format("write_idx: cannot create {}: {}", path, std::strerror(errno)));
        }
        std::size_t done = 0;
        while (done < bytes.size()) {
            const auto n = static_cast<unsigned>(std::min(bytes.size() - done, kChunk));
            if (gzwrite(gz, bytes.data() + done, n) != static_cast<int>(n)) {
                gzclose(gz);
                throw DataError(fmt::format("write_idx: writing {} failed", path));
            }
            done += n;
        }
        if (gzclose(gz) != Z_OK) {
            throw DataError(fmt::format("write_idx: closing {} failed", path));
        }
        return;
    }
    std::ofstream os(file, std::ios::binary | std::ios::trunc);
    os.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
    os.close();
    if (!os) {
        throw DataError(
            fmt::format("write_idx: writing {} failed: {}", path, std::strerror(errno)));
    }
}

}  // namespace wengert
