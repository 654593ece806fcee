#include "metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace wengert::train {

namespace {

std::FILE* open_for_writing(const std::string& path) {
    const std::filesystem::path target(path);
    if (target.has_parent_path()) {
        std::filesystem::create_directories(target.parent_path());
    }
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
        throw std::runtime_error(fmt::format("MetricsLog: cannot open '{}' for writing", path));
    }
    return file;
}

// Gnuplot reads strings in single quotes, where only the quote itself needs doubling.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return out + "'";
}

// For the shell that std::system runs: single quotes, with each quote closed, escaped, reopened.
std::string shell_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

}  // namespace

MetricsLog::MetricsLog(std::string csv_path, std::vector<std::string> columns)
    : path_(std::move(csv_path)),
      columns_(std::move(columns)),
      file_(open_for_writing(path_), &std::fclose) {
    if (columns_.empty()) {
        throw std::invalid_argument("MetricsLog: at least one column is needed");
    }
    fmt::print(file_.get(), "{}\n", fmt::join(columns_, ","));
    std::fflush(file_.get());
}

void MetricsLog::add(const std::map<std::string, double>& values) {
    std::vector<double> row;
    for (const std::string& column : columns_) {
        auto found = values.find(column);
        if (found == values.end()) {
            throw std::invalid_argument(
                fmt::format("MetricsLog::add: no value for column '{}' of '{}'", column, path_));
        }
        row.push_back(found->second);
    }
    if (values.size() != columns_.size()) {
        for (const auto& [name, value] : values) {
            if (std::ranges::find(columns_, name) == columns_.end()) {
                throw std::invalid_argument(
                    fmt::format("MetricsLog::add: '{}' is not a column of '{}' (columns: {})", name,
                                path_, fmt::join(columns_, ", ")));
            }
        }
    }
    fmt::print(file_.get(), "{}\n", fmt::join(row, ","));
    std::fflush(file_.get());
    rows_.push_back(std::move(row));
}

std::vector<double> MetricsLog::column(const std::string& name) const {
    auto found = std::ranges::find(columns_, name);
    if (found == columns_.end()) {
        throw std::invalid_argument(
            fmt::format("MetricsLog::column: no column '{}' in '{}'", name, path_));
    }
    const auto index = static_cast<std::size_t>(found - columns_.begin());
    std::vector<double> values;
    for (const auto& row : rows_) {
        values.push_back(row[index]);
    }
    return values;
}

bool gnuplot_available() {
    return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

bool plot(const std::string& png_path, const std::vector<Curve>& curves,
          const PlotOptions& options) {
    if (!gnuplot_available()) {
        return false;
    }
    const std::string data_path = png_path + ".dat";
    const std::string script_path = png_path + ".gp";
    {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> data(open_for_writing(data_path),
                                                             &std::fclose);
        // One gnuplot data block per curve, separated by two blank lines ("index N").
        for (const Curve& curve : curves) {
            fmt::print(data.get(), "# {}\n", curve.title);
            for (std::size_t i = 0; i < std::min(curve.x.size(), curve.y.size()); ++i) {
                fmt::print(data.get(), "{} {}\n", curve.x[i], curve.y[i]);
            }
            fmt::print(data.get(), "\n\n");
        }
    }
    {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> script(open_for_writing(script_path),
                                                               &std::fclose);
        fmt::print(script.get(), "set terminal pngcairo size 900,560 noenhanced\n");
        fmt::print(script.get(), "set output {}\n", quoted(png_path));
        fmt::print(script.get(), "set title {}\nset xlabel {}\nset ylabel {}\nset grid\n",
                   quoted(options.title), quoted(options.xlabel), quoted(options.ylabel));
        fmt::print(script.get(), "set key outside right\n");
        // Powers of ten as 1e-05 rather than gnuplot's default 0.0000100, which runs the
        // tick labels of a wide lr axis into one another.
        if (options.log_x) {
            fmt::print(script.get(), "set logscale x\nset format x '%.0e'\n");
        }
        if (options.log_y) {
            fmt::print(script.get(), "set logscale y\n");
        }
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < curves.size(); ++i) {
            parts.push_back(fmt::format("{} index {} using 1:2 with linespoints title {}",
                                        quoted(data_path), i, quoted(curves[i].title)));
        }
        fmt::print(script.get(), "plot {}\n", fmt::join(parts, ", \\\n     "));
    }
    // gnuplot warns on a flat curve (a constant batch size); its exit code tells failure.
    const std::string command =
        fmt::format("gnuplot {} >/dev/null 2>&1", shell_quoted(script_path));
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error(fmt::format("plot: gnuplot failed on '{}'", script_path));
    }
    return true;
}

int plot_columns(const MetricsLog& log, const std::string& x_column,
                 const std::vector<std::string>& y_columns, const std::string& prefix) {
    int written = 0;
    const std::vector<double> x = log.column(x_column);
    for (const std::string& y_column : y_columns) {
        PlotOptions options;
        options.title = y_column;
        options.xlabel = x_column;
        options.ylabel = y_column;
        if (plot(prefix + y_column + ".png", {{y_column, x, log.column(y_column)}}, options)) {
            ++written;
        }
    }
    return written;
}

}  // namespace wengert::train
