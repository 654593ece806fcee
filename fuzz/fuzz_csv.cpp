// libFuzzer target for parse_csv. The contract under test: any bytes either parse into a
// table whose values are what the text says, or throw DataError with a message naming the
// source; never a crash, a sanitizer report, another exception type or a silent wrong value.
//
// Input layout: the first byte picks the options (so the fuzzer explores them together with
// the text), the rest is the CSV text:
//   bits 0-1  delimiter: ',' ';' '\t' ' '
//   bits 2-3  header: detect, present, absent (3 is detect too)
//   bit  4    dtype: float32 (0) or float64 (1)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>
#include <wengert/data/csv.hpp>

using namespace wengert;

namespace {

[[noreturn]] void fail(const char* what, std::string_view text) {
    std::fprintf(stderr, "fuzz_csv: invariant broken: %s\ninput text: \"%.*s\"\n", what,
                 static_cast<int>(text.size()), text.data());
    std::abort();
}

std::string_view trim(std::string_view cell) {
    const auto first = cell.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    cell.remove_prefix(first);
    return cell.substr(0, cell.find_last_not_of(" \t\r") + 1);
}

// The rows of a quote-free text by the plainest reading of the format: lines split on '\n',
// blank lines dropped, cells split at every delimiter and trimmed. An oracle independent of
// parse_csv's scanner, to catch values that parse but are not what the text says.
std::vector<std::vector<std::string_view>> plain_rows(std::string_view text, char delimiter) {
    std::vector<std::vector<std::string_view>> rows;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        std::vector<std::string_view> cells;
        std::size_t at = 0;
        while (true) {
            const std::size_t stop = std::min(line.find(delimiter, at), line.size());
            cells.push_back(trim(line.substr(at, stop - at)));
            if (stop == line.size()) {
                break;
            }
            at = stop + 1;
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

// Checks a parsed table of quote-free text against plain_rows and strtod (C locale).
void check_against_oracle(const CsvTable& table, std::string_view text, const CsvOptions& options) {
    const auto rows = plain_rows(text, options.delimiter);
    const std::size_t parsed_rows = table.values.size(0);
    const std::size_t width = table.columns.size();
    const bool header = rows.size() == parsed_rows + 1;
    if (!header && rows.size() != parsed_rows) {
        fail("the row count differs from the plain reading of the text", text);
    }
    if ((options.header == CsvHeader::present && !header) ||
        (options.header == CsvHeader::absent && header)) {
        fail("the header option was not followed", text);
    }

    const std::vector<double> values = table.values.to_vector();
    for (std::size_t r = header ? 1 : 0, row = 0; r < rows.size(); ++r, ++row) {
        if (rows[r].size() != width) {
            fail("a row has another cell count than the plain reading", text);
        }
        for (std::size_t c = 0; c < width; ++c) {
            const std::string cell(rows[r][c]);
            char* end = nullptr;
            const double expected = std::strtod(cell.c_str(), &end);
            if (cell.empty() || end != cell.c_str() + cell.size()) {
                fail("a cell that strtod does not read as a number was accepted", text);
            }
            const double stored = options.dtype == kFloat32
                                      ? static_cast<double>(static_cast<float>(expected))
                                      : expected;
            if (values[row * width + c] != stored) {
                fail("a value differs from strtod's reading of its cell", text);
            }
        }
    }
    if (header) {
        for (std::size_t c = 0; c < width; ++c) {
            if (table.columns[c] != rows[0][c]) {
                fail("a column name differs from the trimmed header cell", text);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static constexpr char kDelimiters[] = {',', ';', '\t', ' '};
    static constexpr CsvHeader kHeaders[] = {CsvHeader::detect, CsvHeader::present,
                                             CsvHeader::absent, CsvHeader::detect};
    CsvOptions options;
    options.delimiter = kDelimiters[data[0] & 3];
    options.header = kHeaders[(data[0] >> 2) & 3];
    options.dtype = (data[0] & 0x10) != 0 ? kFloat64 : kFloat32;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    CsvTable table;
    try {
        table = parse_csv(text, options, "fuzz.csv");
    } catch (const DataError& error) {
        if (std::strncmp(error.what(), "parse_csv: fuzz.csv: ", 21) != 0) {
            fail("a DataError message does not start with the function and the source", text);
        }
        return 0;
    }

    // Shape, dtype and finiteness hold for every table.
    if (table.values.dim() != 2 || table.values.size(1) != table.columns.size() ||
        table.values.size(0) == 0 || table.values.dtype() != options.dtype) {
        fail("the table's shape or dtype is inconsistent", text);
    }
    for (double value : table.values.to_vector()) {
        if (!std::isfinite(value)) {
            fail("a stored value is not finite", text);
        }
    }
    if (text.find('"') == std::string_view::npos) {
        check_against_oracle(table, text, options);
    }
    return 0;
}
