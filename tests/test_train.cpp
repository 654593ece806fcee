#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <wengert/train/train.hpp>

using namespace wengert::train;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::filesystem::path scratch_dir(const char* name) {
    auto dir = std::filesystem::temp_directory_path() / "wengert_test_train" / name;
    std::filesystem::remove_all(dir);
    return dir;
}

}  // namespace

TEST_SUITE("train utilities") {
    TEST_CASE("format_duration writes minutes and hours") {
        CHECK(format_duration(0) == "0:00");
        CHECK(format_duration(65) == "1:05");
        CHECK(format_duration(3725) == "1:02:05");
    }

    TEST_CASE("the progress bar smooths the loss and stays quiet off a terminal") {
        std::FILE* sink = std::tmpfile();
        ProgressBar quiet_bar(1, 3, 10, sink);
        CHECK_FALSE(quiet_bar.drawing());
        quiet_bar.update(1, 2.0, 32);
        // The bias correction makes the first smoothed value equal the first loss.
        CHECK(quiet_bar.smoothed_loss() == doctest::Approx(2.0));
        quiet_bar.update(2, 1.0, 32);
        CHECK(quiet_bar.smoothed_loss() == doctest::Approx((0.98 * 0.02 * 2.0 + 0.02 * 1.0) /
                                                           (1 - 0.98 * 0.98)));
        CHECK(std::ftell(sink) == 0);

        ProgressBar drawn(2, 3, 10, sink, /*quiet=*/false, /*force=*/true);
        drawn.update(5, 0.5, 64);
        const std::string line = drawn.line();
        CHECK(line.find("epoch 2/3") != std::string::npos);
        CHECK(line.find("5/10") != std::string::npos);
        CHECK(line.find("loss 0.5000") != std::string::npos);
        CHECK(std::ftell(sink) > 0);
        std::fclose(sink);
    }

    TEST_CASE("MetricsLog writes every row as it is added and checks columns") {
        const auto dir = scratch_dir("csv");
        MetricsLog log((dir / "metrics.csv").string(), {"epoch", "loss"});
        log.add({{"epoch", 1}, {"loss", 0.5}});
        CHECK(read_file(dir / "metrics.csv") == "epoch,loss\n1,0.5\n");
        log.add({{"epoch", 2}, {"loss", 0.25}});
        CHECK(log.column("loss") == std::vector<double>{0.5, 0.25});
        CHECK_THROWS_WITH_AS(log.add({{"epoch", 3}}), doctest::Contains("'loss'"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(log.add({{"epoch", 3}, {"loss", 1}, {"lr", 0.1}}),
                             doctest::Contains("'lr' is not a column"), std::invalid_argument);
        CHECK_THROWS_AS(log.column("accuracy"), std::invalid_argument);
    }

    TEST_CASE("plots are PNG files when gnuplot is installed") {
        const auto dir = scratch_dir("plot");
        MetricsLog log((dir / "metrics.csv").string(), {"epoch", "loss"});
        log.add({{"epoch", 1}, {"loss", 0.9}});
        log.add({{"epoch", 2}, {"loss", 0.4}});
        const int written = plot_columns(log, "epoch", {"loss"}, (dir / "plot_").string());
        if (!gnuplot_available()) {
            MESSAGE("gnuplot is not installed; only the CSV was written");
            CHECK(written == 0);
            return;
        }
        REQUIRE(written == 1);
        const std::string png = read_file(dir / "plot_loss.png");
        REQUIRE(png.size() > 8);
        CHECK(png.substr(1, 3) == "PNG");
    }
}
