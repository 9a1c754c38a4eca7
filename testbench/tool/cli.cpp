#include "tool/cli.h"

#include <iostream>
#include <sstream>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"

namespace fusemax::cli {

po::variables_map parse(const char* tool, const po::options_description& options,
                        const po::positional_options_description& positional, int argc, char** argv) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw ConfigError(std::string(tool) + ": " + e.what() + " (see --help)");
    }
    return vm;
}

bool help_requested(const po::variables_map& vm, const po::options_description& options) {
    if (!vm.count("help")) return false;
    std::ostringstream help;
    help << options;
    std::cout << help.str();
    return true;
}

std::string text(const po::variables_map& vm, const char* flag) { return vm[flag].as<std::string>(); }

std::uint64_t positive_int(const po::variables_map& vm, const char* tool, const char* flag) {
    const std::string t = text(vm, flag);
    std::int64_t v = 0;
    if (!parse_int(t, v) || v <= 0)
        throw ConfigError(std::string(tool) + ": --" + flag + ": expected a positive integer, got '" + t + "'");
    return static_cast<std::uint64_t>(v);
}

std::uint64_t positive_length(const po::variables_map& vm, const char* tool, const char* flag) {
    const std::string t = text(vm, flag);
    const char last = t.empty() ? '\0' : t.back();
    const std::uint64_t scale = last == 'K' || last == 'k' ? 1024 : last == 'M' || last == 'm' ? 1024 * 1024 : 1;
    std::int64_t v = 0;
    if (!parse_int(scale == 1 ? t : t.substr(0, t.size() - 1), v) || v <= 0 || std::uint64_t(v) > (1ull << 40))
        throw ConfigError(std::string(tool) + ": --" + flag + ": expected a positive length such as 4096, 16K or 1M, got '" +
                          t + "'");
    return std::uint64_t(v) * scale;
}

double positive_number(const po::variables_map& vm, const char* tool, const char* flag) {
    const std::string t = text(vm, flag);
    double v = 0;
    if (!parse_number(t, v) || v <= 0)
        throw ConfigError(std::string(tool) + ": --" + flag + ": expected a positive number, got '" + t + "'");
    return v;
}

std::uint64_t size_bytes(const po::variables_map& vm, const char* tool, const char* flag) {
    const std::string t = text(vm, flag);
    std::uint64_t v = 0;
    if (!parse_size(t, v) || v == 0)
        throw ConfigError(std::string(tool) + ": --" + flag +
                          ": expected a size in bytes such as 67108864, 0x4000000 or 64M, got '" + t + "'");
    return v;
}

}  // namespace fusemax::cli
