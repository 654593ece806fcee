#pragma once
// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
//
//   bytes 0-1  zero
//   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
//              0x0E float64
//   byte  3    number of dimensions (1 to 4 here)
//   then one big-endian uint32 per dimension, then the values, big-endian, row-major.
//
// Files may be gzip-compressed (as the datasets ship); the reader sniffs the gzip magic, so
// the name does not matter.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "../autograd/tensor.hpp"
#include "error.hpp"

namespace wengert {

/// Element type codes of the IDX header.
enum class IdxType : std::uint8_t {
    uint8 = 0x08,
    int8 = 0x09,
    int16 = 0x0B,
    int32 = 0x0C,
    float32 = 0x0D,
    float64 = 0x0E,
};

/// "uint8", "int16", ...
const char* idx_type_name(IdxType type);

struct IdxReadOptions {
    /// Dtype of the returned tensor. Unset: int64 for the integer types, float32 or float64
    /// for the float types, and float32 when `scale` is set. Float values cannot be read as
    /// int64 (that would truncate them silently).
    std::optional<Dtype> dtype;
    /// Divide uint8 values by 255, so that image pixels land in [0, 1]. Only for uint8 files.
    bool scale = false;
};

/// What an IDX file holds.
struct IdxData {
    /// The values with shape `dims`.
    Tensor values;
    /// The element type stored in the file.
    IdxType type = IdxType::uint8;
    /// The dimensions of the header.
    Shape dims;
};

/// Reads a plain or gzip-compressed IDX file. Throws DataError naming the file for a file
/// that cannot be opened, a bad magic, an unknown type code, a dimension count outside 1..4,
/// a zero dimension, a product of dimensions that overflows, fewer data bytes than the
/// header declares (truncated), more bytes than it declares (trailing garbage), or a corrupt
/// gzip stream, or float64 values beyond float32's range read as float32; DtypeError for
/// float data read as int64, std::invalid_argument for `scale` on a file that is not uint8.
IdxData read_idx(const std::filesystem::path& path, const IdxReadOptions& options = {});

/// Parses the bytes of an IDX file already in memory (plain or gzip, sniffed the same way),
/// with the checks and errors of read_idx; messages start "parse_idx: <source>". For data
/// that comes from a network, an archive or a test, without a temporary file.
IdxData parse_idx(std::span<const std::byte> bytes, const IdxReadOptions& options = {},
                  std::string_view source = "<bytes>");

/// Writes `values` (1 to 4 dimensions) as an IDX file of element type `type`, gzip-compressed
/// when `compress`. Values must be representable in `type`: integer types need integral
/// values in range (std::invalid_argument names the first that is not). Throws DataError
/// when the file cannot be written.
void write_idx(const std::filesystem::path& path, const Tensor& values,
               IdxType type = IdxType::uint8, bool compress = false);

}  // namespace wengert
