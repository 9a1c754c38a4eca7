#pragma once
#include <boost/program_options.hpp>

#include <cstdint>
#include <string>

namespace fusemax::cli {

namespace po = boost::program_options;

// The command-line idiom of every executable: boost::program_options, values taken as text and
// checked here so that each bad value is a ConfigError "TOOL: --flag: expected ..., got '...'".
po::variables_map parse(const char* tool, const po::options_description& options,
                        const po::positional_options_description& positional, int argc, char** argv);

// Prints the usage and returns true when --help was given.
bool help_requested(const po::variables_map& vm, const po::options_description& options);

std::uint64_t positive_int(const po::variables_map& vm, const char* tool, const char* flag);
// A count with an optional binary suffix, as the sweep's lengths: 4096, 16K (16384), 1M.
std::uint64_t positive_length(const po::variables_map& vm, const char* tool, const char* flag);
double positive_number(const po::variables_map& vm, const char* tool, const char* flag);
std::uint64_t size_bytes(const po::variables_map& vm, const char* tool, const char* flag);
std::string text(const po::variables_map& vm, const char* flag);

}  // namespace fusemax::cli
