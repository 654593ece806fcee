// wengert_bench: runs every case (or those whose name contains an argument) and prints one
// JSON object per line. Usage: wengert_bench [--threads N] [--repetitions N] [filter...]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <wengert/wengert.hpp>

#include "harness.hpp"

namespace wengert_bench {

namespace {
Options global_options;
volatile double sink = 0.0;
}  // namespace

const Options& options() {
    return global_options;
}

void keep(double value) {
    sink = sink + value;
}

void report(const std::string& name, const std::string& unit, double value,
            const std::string& reference, double reference_value, const Json& extra) {
    Json line;
    line["name"] = name;
    line["unit"] = unit;
    line["value"] = value;
    if (!reference.empty()) {
        line["reference"] = reference;
        line["reference_value"] = reference_value;
        line["ratio"] = value / reference_value;
    }
    for (const auto& [key, item] : extra.items()) {
        line[key] = item;
    }
    line["threads"] = wengert::get_num_threads();
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

void report_missing(const std::string& name, const std::string& reason) {
    Json line;
    line["name"] = name;
    line["unit"] = nullptr;
    line["value"] = nullptr;
    line["missing"] = reason;
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

}  // namespace wengert_bench

int main(int argc, char** argv) {
    using namespace wengert_bench;
    std::vector<std::string> filters;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--threads" || arg == "--repetitions") && i + 1 < argc) {
            const int value = std::atoi(argv[++i]);
            if (arg == "--threads") {
                wengert::set_num_threads(value);
            } else {
                global_options.repetitions = std::max(1, value);
            }
        } else if (arg == "--help" || arg == "-h") {
            std::printf("usage: wengert_bench [--threads N] [--repetitions N] [filter...]\n");
            return 0;
        } else {
            filters.push_back(arg);
        }
    }

    std::vector<Case> cases = core_cases();
    for (Case& c : training_cases()) {
        cases.push_back(std::move(c));
    }
    for (const Case& c : cases) {
        const bool selected =
            filters.empty() || std::ranges::any_of(filters, [&](const std::string& f) {
                return c.name.find(f) != std::string::npos;
            });
        if (selected) {
            c.run();
        }
    }
    return 0;
}
