#include "csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "../autograd/tensor_impl.hpp"

namespace wengert {

namespace {

// The largest float plus half its last unit: doubles from here on round to infinity.
constexpr double kFloat32Overflow = 0x1.ffffffp+127;

std::string_view trim(std::string_view cell) {
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) {
        cell.remove_prefix(1);
    }
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r')) {
        cell.remove_suffix(1);
    }
    return cell;
}

// Splits one line into cells, RFC 4180 style: a cell in double quotes may hold the delimiter,
// and "" inside it stands for one quote. Spaces around a cell are dropped. A line break
// inside quotes is not supported (rows are lines), so an unclosed quote is an error.
std::vector<std::string> split(std::string_view line, char delimiter, std::string_view source,
                               std::size_t line_number) {
    std::vector<std::string> cells;
    std::size_t at = 0;
    while (true) {
        std::string cell;
        // Spaces before a cell are dropped, but a tab or space delimiter still separates: with
        // tabs, "\t1" is an empty cell and then 1, not the single cell 1.
        while (at < line.size() && line[at] != delimiter && (line[at] == ' ' || line[at] == '\t')) {
            ++at;
        }
        if (at < line.size() && line[at] == '"') {
            ++at;
            while (true) {
                if (at >= line.size()) {
                    throw DataError(fmt::format(
                        "parse_csv: {}: row {}, column {}: quoted cell is not closed on its line",
                        source, line_number, cells.size() + 1));
                }
                if (line[at] == '"') {
                    if (at + 1 < line.size() && line[at + 1] == '"') {
                        cell += '"';
                        at += 2;
                        continue;
                    }
                    ++at;
                    break;
                }
                cell += line[at++];
            }
            // Only spaces may follow the closing quote before the delimiter.
            while (at < line.size() && line[at] != delimiter) {
                if (line[at] != ' ' && line[at] != '\t' && line[at] != '\r') {
                    throw DataError(
                        fmt::format("parse_csv: {}: row {}, column {}: text after a closing quote",
                                    source, line_number, cells.size() + 1));
                }
                ++at;
            }
        } else {
            const std::size_t end = std::min(line.find(delimiter, at), line.size());
            cell = std::string(trim(line.substr(at, end - at)));
            at = end;
        }
        cells.push_back(std::move(cell));
        if (at >= line.size()) {
            return cells;
        }
        ++at;  // the delimiter
    }
}

bool parse_number(std::string_view cell, double& value) {
    // from_chars takes no '+', so one is dropped here; a sign after it ("+-3") stays an error.
    if (!cell.empty() && cell.front() == '+') {
        cell.remove_prefix(1);
        if (!cell.empty() && (cell.front() == '-' || cell.front() == '+')) {
            return false;
        }
    }
    const char* end = cell.data() + cell.size();
    const auto [ptr, error] = std::from_chars(cell.data(), end, value);
    return error == std::errc() && ptr == end && !cell.empty();
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

CsvTable parse_csv(std::string_view text, const CsvOptions& options, std::string_view source) {
    detail::require<DtypeError>(is_floating_point(options.dtype),
                                "parse_csv: values are read as float32 or float64, not {}",
                                dtype_name(options.dtype));
    CsvTable table;
    std::vector<double> values;
    std::size_t width = 0;
    bool first = true;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (is_blank(line)) {
            continue;
        }
        const auto cells = split(line, options.delimiter, source, line_number);

        // The first row fixes the width and may be the header.
        if (first) {
            first = false;
            width = cells.size();
            bool numeric = true;
            double ignored = 0;
            for (auto cell : cells) {
                numeric = numeric && parse_number(cell, ignored);
            }
            const bool header = options.header == CsvHeader::present ||
                                (options.header == CsvHeader::detect && !numeric);
            for (std::size_t c = 0; c < width; ++c) {
                table.columns.push_back(header ? cells[c] : std::to_string(c));
            }
            if (header) {
                continue;
            }
        }
        if (cells.size() != width) {
            throw DataError(
                fmt::format("parse_csv: {}: row {} has {} cells, expected {} like "
                            "the first row (ragged table)",
                            source, line_number, cells.size(), width));
        }
        for (std::size_t c = 0; c < width; ++c) {
            double value = 0;
            if (cells[c].empty()) {
                throw DataError(
                    fmt::format("parse_csv: {}: row {}, column {} (\"{}\"): empty "
                                "cell; expected a number",
                                source, line_number, c + 1, table.columns[c]));
            }
            if (!parse_number(cells[c], value) || !std::isfinite(value)) {
                throw DataError(
                    fmt::format("parse_csv: {}: row {}, column {} (\"{}\"): \"{}\" "
                                "is not a finite number",
                                source, line_number, c + 1, table.columns[c], cells[c]));
            }
            // A finite double beyond float32's range would be stored as infinity.
            if (options.dtype == kFloat32 && std::abs(value) >= kFloat32Overflow) {
                throw DataError(
                    fmt::format("parse_csv: {}: row {}, column {} (\"{}\"): {} is outside the "
                                "range of float32 (largest {}); read the table as float64",
                                source, line_number, c + 1, table.columns[c], cells[c],
                                std::numeric_limits<float>::max()));
            }
            values.push_back(value);
        }
    }
    if (values.empty()) {
        throw DataError(fmt::format("parse_csv: {}: no data rows", source));
    }

    const std::size_t rows = values.size() / width;
    table.values = tensor(std::move(values), {rows, width}, options.dtype);
    return table;
}

CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw DataError(fmt::format("read_csv: cannot open {}", path.string()));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_csv(text.str(), options, path.string());
}

std::size_t CsvTable::column_index(std::string_view name) const {
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c] == name) {
            return c;
        }
    }
    throw std::out_of_range(fmt::format("CsvTable: no column \"{}\"; the columns are {}", name,
                                        fmt::join(columns, ", ")));
}

Tensor CsvTable::select(const std::vector<std::string>& names) const {
    std::vector<std::size_t> picked;
    for (const auto& name : names) {
        picked.push_back(column_index(name));
    }
    const std::size_t rows = values.size(0);
    const std::size_t width = columns.size();
    return detail::visit("CsvTable::select", values, [&](const auto& array) {
        using T = typename std::decay_t<decltype(array)>::value_type;
        detail::Array<T> out(Shape{rows, picked.size()});
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t k = 0; k < picked.size(); ++k) {
                out.data()[r * picked.size() + k] = array.data()[r * width + picked[k]];
            }
        }
        return detail::make_tensor(std::move(out));
    });
}

}  // namespace wengert
