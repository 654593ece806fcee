#pragma once
// A reader for numeric CSV tables: every cell a number, every row as long as the first.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../autograd/tensor.hpp"
#include "error.hpp"

namespace wengert {

enum class CsvHeader {
    /// The first row names the columns when any of its cells is not a number.
    detect,
    /// The first row names the columns.
    present,
    /// Every row holds values; columns are named "0", "1", ...
    absent,
};

struct CsvOptions {
    char delimiter = ',';
    CsvHeader header = CsvHeader::detect;
    /// Dtype of the values (float32 or float64).
    Dtype dtype = kFloat32;
};

struct CsvTable {
    /// One name per column (from the header, else "0", "1", ...).
    std::vector<std::string> columns;
    /// (rows, columns) values.
    Tensor values;

    /// Index of the column called `name`; std::out_of_range naming it and the columns if none.
    std::size_t column_index(std::string_view name) const;
    /// The columns called `names`, as a (rows, names.size()) tensor, in that order.
    Tensor select(const std::vector<std::string>& names) const;
};

/// Parses CSV text. Cells are trimmed of spaces; a cell in double quotes may hold the
/// delimiter and "" for a quote (RFC 4180), but not a line break (rows are lines); blank
/// lines are skipped; "\r\n" line ends are accepted. Every delimiter separates two cells, a
/// tab or a space too ("1\t\t2" with tabs is 1, an empty cell, 2). Throws DataError naming
/// `source`, the row (1-based line of the text) and the column (1-based, with its name) for
/// an empty cell, a cell that is not a finite number (NaN and infinities count as missing)
/// or, for float32, one beyond float32's range, a quoted cell left open or followed by text,
/// or a row with another number of cells than the first; and for a table without data rows.
CsvTable parse_csv(std::string_view text, const CsvOptions& options = {},
                   std::string_view source = "<text>");

/// Reads and parses a CSV file (see parse_csv); DataError when it cannot be opened.
CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace wengert
