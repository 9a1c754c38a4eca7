#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "fusemax/config/config_error.h"

namespace fusemax {

// Configuration files are small; anything larger is not one.
inline constexpr std::uint64_t kMaxYamlBytes = 16u << 20;

// Loads a YAML file; a missing, unreadable or malformed file, a directory or a file larger than
// kMaxYamlBytes is a ConfigError naming the file (and `what` it was for, e.g. "--arch").
YAML::Node load_yaml_file(const std::string& path, const std::string& what = "");

// A yaml-cpp error (a malformed document, a conversion it refused) as the one-line ConfigError of
// the file it came from.
ConfigError yaml_error(const std::string& path, const YAML::Exception& e);

// A strict view of one YAML mapping: typed getters that fail with "file:line: key 'a.b': expected
// ..., got '...'", and a check that rejects keys the schema does not know.
class YamlMap {
public:
    YamlMap(const YAML::Node& node, std::string file, std::string prefix);

    bool has(std::string_view key) const;
    std::string key_path(std::string_view key) const;

    std::uint64_t positive_int(std::string_view key) const;
    std::uint64_t positive_int(std::string_view key, std::uint64_t fallback) const;
    std::uint64_t non_negative_int(std::string_view key, std::uint64_t fallback) const;
    // An integer in [lo, hi]: "expected an integer from lo to hi, got '...'".
    std::uint64_t int_in(std::string_view key, std::uint64_t lo, std::uint64_t hi) const;
    std::uint64_t int_in(std::string_view key, std::uint64_t lo, std::uint64_t hi, std::uint64_t fallback) const;
    double positive_number(std::string_view key) const;
    double positive_number(std::string_view key, double fallback) const;
    std::string string(std::string_view key) const;
    std::string string(std::string_view key, const std::string& fallback) const;
    bool boolean(std::string_view key, bool fallback) const;
    YamlMap map(std::string_view key) const;
    std::vector<YAML::Node> list(std::string_view key) const;
    std::vector<std::string> string_list(std::string_view key) const;

    // Rejects any key not in `allowed`, naming it and the keys that are allowed.
    void only_keys(std::initializer_list<std::string_view> allowed) const;

    [[noreturn]] void fail(std::string_view key, const std::string& what) const;
    [[noreturn]] void fail_here(const std::string& what) const;

    const std::string& file() const { return file_; }
    const YAML::Node& node() const { return node_; }

private:
    YAML::Node node_;
    std::string file_;
    std::string prefix_;

    YAML::Node scalar(std::string_view key) const;
    std::string where(const YAML::Node& n) const;
};

// Parses a strictly decimal integer; false if the text is not one.
bool parse_int(const std::string& text, std::int64_t& out);
// Parses a finite decimal number; false if the text is not one.
bool parse_number(const std::string& text, double& out);
// Parses a duration with a unit (ps, ns, us, ms, s), e.g. "250us", into seconds; false if malformed
// or longer than kMaxDurationSeconds (SystemC's time, 1 ps resolution, must hold now + it).
inline constexpr double kMaxDurationSeconds = 1e6;
bool parse_duration(const std::string& text, double& seconds);
// Parses a byte count: decimal or 0x hexadecimal, optionally with a binary suffix K, M, G, T (or
// KiB, MiB, GiB, TiB), e.g. "67108864", "0x4000000", "64M". False if malformed or above 2^64 - 1.
bool parse_size(const std::string& text, std::uint64_t& bytes);
// Parses an unsigned integer, decimal or 0x hexadecimal; false if malformed or above 2^64 - 1.
bool parse_unsigned(const std::string& text, std::uint64_t& out);

}  // namespace fusemax
