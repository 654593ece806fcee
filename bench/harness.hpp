#pragma once
// The bench harness: timing by median of repetitions, and one JSON line per result.

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace wengert_bench {

using Json = nlohmann::ordered_json;

/// One benchmark case: a name (matched by the command-line filter) and a function that
/// measures and prints its results.
struct Case {
    std::string name;
    std::function<void()> run;
};

/// Settings of the whole run.
struct Options {
    int repetitions = 7;
};
const Options& options();

/// Seconds taken by one call of f.
template <class F>
double seconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    const auto stop = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(stop - start).count();
}

inline double median(std::vector<double> values) {
    std::ranges::sort(values);
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct Timings {
    double ours;
    double reference;
};

/// Median seconds of `ours` and of `reference`, after one warm-up call of each. The two
/// alternate, so that drift in a shared machine's speed affects both alike.
template <class F, class G>
Timings compare(F&& ours, G&& reference, int repetitions) {
    ours();
    reference();
    std::vector<double> a, b;
    for (int r = 0; r < repetitions; ++r) {
        a.push_back(seconds(ours));
        b.push_back(seconds(reference));
    }
    return {median(a), median(b)};
}

/// CPU seconds the calling thread has used; unlike wall time, it leaves out the time the
/// thread waits for a core, so it stays meaningful on a shared, oversubscribed machine.
inline double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct Measurement {
    double wall;  // median wall-clock seconds
    double cpu;   // median CPU seconds of the calling thread
};

/// Median seconds of f after one warm-up call.
template <class F>
Measurement measure(F&& f, int repetitions) {
    f();
    std::vector<double> wall, cpu;
    for (int r = 0; r < repetitions; ++r) {
        const double cpu_start = thread_cpu_seconds();
        wall.push_back(seconds(f));
        cpu.push_back(thread_cpu_seconds() - cpu_start);
    }
    return {median(wall), median(cpu)};
}

/// Prints one result line: name, unit, value and, when a reference was measured,
/// reference, reference_value and ratio (ours / reference: lower is better), then `extra`.
void report(const std::string& name, const std::string& unit, double value,
            const std::string& reference = "", double reference_value = 0.0,
            const Json& extra = Json::object());

/// Prints a line for a case that cannot run in this build, with the reason.
void report_missing(const std::string& name, const std::string& reason);

/// Keeps the optimiser from discarding a computed value.
void keep(double value);

std::vector<Case> core_cases();
std::vector<Case> training_cases();

}  // namespace wengert_bench
