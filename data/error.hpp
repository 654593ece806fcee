#pragma once
// The exception every reader in data/ throws for a file it cannot use.

#include <stdexcept>

namespace wengert {

/// A data file that is missing, unreadable or malformed (bad magic, truncated, corrupt gzip,
/// a non-numeric CSV cell). The message names the file, what was expected and what was found.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace wengert
