#pragma once
// A progress bar for training loops, drawn on stderr.
//
// It redraws one line in place at most ten times a second: epoch, batch, smoothed loss,
// throughput and the time left. When the stream is not a terminal (a log file, CI), it draws
// nothing, so logs hold only what the program prints on purpose.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace wengert::train {

class ProgressBar {
public:
    /// A bar for `total_batches` batches of one epoch. `force` draws even when `stream` is
    /// not a terminal (for tests); `quiet` never draws.
    ProgressBar(std::size_t epoch, std::size_t epochs, std::size_t total_batches,
                std::FILE* stream = stderr, bool quiet = false, bool force = false);

    /// Records batch `batch` (1-based) with its loss and sample count, and redraws if due.
    void update(std::size_t batch, double loss, std::size_t samples);
    /// Clears the bar's line (the caller then prints its epoch summary).
    void finish();

    /// The exponentially smoothed loss (0.98 decay, bias-corrected), as drawn.
    double smoothed_loss() const noexcept { return weight_ > 0 ? smoothed_ / weight_ : 0.0; }
    /// Samples per second since the bar was made.
    double throughput() const;
    /// The line the bar would draw now.
    std::string line() const;
    bool drawing() const noexcept { return drawing_; }

private:
    std::size_t epoch_, epochs_, total_;
    std::size_t batch_ = 0;
    std::size_t samples_ = 0;
    double smoothed_ = 0.0;
    double weight_ = 0.0;
    std::FILE* stream_;
    bool drawing_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

/// "1:05" or "1:02:05".
std::string format_duration(double seconds);

}  // namespace wengert::train
