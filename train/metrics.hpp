#pragma once
// Per-epoch metrics: a CSV file written row by row, and PNG plots rendered by gnuplot.
//
// The CSV is the record: each row is written and flushed as soon as it is added, so a run
// that is stopped keeps every finished epoch. Plots are a view of it, made only when gnuplot
// is installed (Debian's gnuplot-nox); without it, plot() says so and returns false.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wengert::train {

class MetricsLog {
public:
    /// Writes to `csv_path` (its folder is created), with `columns` as the header row.
    MetricsLog(std::string csv_path, std::vector<std::string> columns);

    /// Appends one row; `values` must give every column by name.
    void add(const std::map<std::string, double>& values);

    const std::vector<std::string>& columns() const noexcept { return columns_; }
    const std::vector<std::vector<double>>& rows() const noexcept { return rows_; }
    /// One column's values over all rows so far.
    std::vector<double> column(const std::string& name) const;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    std::vector<std::string> columns_;
    std::vector<std::vector<double>> rows_;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

/// One curve of a plot: y against x, with a legend title.
struct Curve {
    std::string title;
    std::vector<double> x;
    std::vector<double> y;
};

struct PlotOptions {
    std::string title;
    std::string xlabel = "epoch";
    std::string ylabel;
    bool log_x = false;
    bool log_y = false;
};

/// True when a gnuplot executable is on PATH.
bool gnuplot_available();

/// Renders `curves` into a PNG at `png_path` with gnuplot. The data go through a file next to
/// the PNG (`<png>.dat`), so the plot can be remade by hand. Returns false, and writes
/// nothing, when gnuplot is missing; throws std::runtime_error when gnuplot fails.
bool plot(const std::string& png_path, const std::vector<Curve>& curves,
          const PlotOptions& options);

/// Plots each of `y_columns` of a log against `x_column`, one PNG per column, named
/// `<prefix><column>.png`. Returns the number of PNGs written.
int plot_columns(const MetricsLog& log, const std::string& x_column,
                 const std::vector<std::string>& y_columns, const std::string& prefix);

}  // namespace wengert::train
