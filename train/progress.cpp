#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace wengert::train {

namespace {

constexpr double kSmoothing = 0.98;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr std::size_t kBarWidth = 24;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string format_duration(double seconds) {
    const auto total = static_cast<long long>(seconds < 0 ? 0 : seconds + 0.5);
    if (total >= 3600) {
        return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    }
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

ProgressBar::ProgressBar(std::size_t epoch, std::size_t epochs, std::size_t total_batches,
                         std::FILE* stream, bool quiet, bool force)
    : epoch_(epoch),
      epochs_(epochs),
      total_(total_batches),
      stream_(stream),
      drawing_(!quiet && stream != nullptr && (force || ::isatty(::fileno(stream)) == 1)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - kRedrawInterval) {}

void ProgressBar::update(std::size_t batch, double loss, std::size_t samples) {
    batch_ = batch;
    samples_ += samples;
    // The weight of all terms so far: dividing by it removes the average's bias toward zero
    // in the first batches.
    weight_ = kSmoothing * weight_ + (1.0 - kSmoothing);
    smoothed_ = kSmoothing * smoothed_ + (1.0 - kSmoothing) * loss;
    if (!drawing_) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < kRedrawInterval && batch != total_) {
        return;
    }
    last_draw_ = now;
    fmt::print(stream_, "\r{}\x1b[K", line());
    std::fflush(stream_);
}

void ProgressBar::finish() {
    if (drawing_) {
        fmt::print(stream_, "\r\x1b[K");
        std::fflush(stream_);
    }
}

double ProgressBar::throughput() const {
    const double elapsed = seconds_since(start_);
    return elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0.0;
}

std::string ProgressBar::line() const {
    const double fraction =
        total_ > 0 ? static_cast<double>(batch_) / static_cast<double>(total_) : 0.0;
    const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
    const double elapsed = seconds_since(start_);
    const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
    return fmt::format("epoch {}/{} [{}{}] {}/{} loss {:.4f} {:.0f} samples/s eta {}", epoch_,
                       epochs_, std::string(filled, '#'), std::string(kBarWidth - filled, '.'),
                       batch_, total_, smoothed_loss(), throughput(), format_duration(eta));
}

}  // namespace wengert::train
