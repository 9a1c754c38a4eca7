#pragma once
#include <stdexcept>
#include <string>

namespace fusemax {

// Bad user input (configuration, workload, command line, tensors). The message is one line that
// names the file, key or flag and what was expected; tools print it and exit with code 2.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace fusemax
