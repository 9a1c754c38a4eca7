#include "fusemax/config/yaml_map.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "fusemax/config/config_error.h"
#include "fusemax/io/files.h"

namespace fusemax {

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
    const std::string text = read_input_file(path, what, kMaxYamlBytes);
    try {
        YAML::Node doc = YAML::Load(text);
        if (!doc.IsMap()) throw ConfigError(path + ": expected a YAML mapping at the top level");
        return doc;
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

ConfigError yaml_error(const std::string& path, const YAML::Exception& e) {
    return ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
}

bool parse_int(const std::string& text, std::int64_t& out) {
    if (text.empty()) return false;
    std::size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (i == text.size()) return false;
    for (std::size_t j = i; j < text.size(); ++j)
        if (text[j] < '0' || text[j] > '9') return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0') return false;
    out = v;
    return true;
}

bool parse_number(const std::string& text, double& out) {
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
    out = v;
    return true;
}

bool parse_duration(const std::string& text, double& seconds) {
    std::size_t i = 0;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    double v = 0;
    if (i == 0 || !parse_number(text.substr(0, i), v)) return false;
    const std::string unit = text.substr(i);
    const std::pair<const char*, double> units[] = {{"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}};
    for (const auto& [u, scale] : units)
        if (unit == u) {
            if (v * scale > kMaxDurationSeconds) return false;
            seconds = v * scale;
            return true;
        }
    return false;
}

bool parse_unsigned(const std::string& text, std::uint64_t& out) {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const std::string digits = hex ? text.substr(2) : text;
    if (digits.empty()) return false;
    std::uint64_t v = 0;
    for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return false;
        std::uint64_t next = 0;
        if (__builtin_mul_overflow(v, hex ? 16u : 10u, &next) || __builtin_add_overflow(next, std::uint64_t(d), &v))
            return false;
    }
    out = v;
    return true;
}

bool parse_size(const std::string& text, std::uint64_t& bytes) {
    const std::pair<const char*, unsigned> suffixes[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
                                                         {"K", 10},   {"M", 20},   {"G", 30},   {"T", 40}};
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    for (const auto& [suffix, shift] : suffixes) {
        const std::size_t n = std::strlen(suffix);
        if (hex || text.size() <= n || text.compare(text.size() - n, n, suffix) != 0) continue;
        std::uint64_t v = 0;
        if (!parse_unsigned(text.substr(0, text.size() - n), v) || v > (~std::uint64_t{0} >> shift)) return false;
        bytes = v << shift;
        return true;
    }
    return parse_unsigned(text, bytes);
}

YamlMap::YamlMap(const YAML::Node& node, std::string file, std::string prefix)
    : node_(node), file_(std::move(file)), prefix_(std::move(prefix)) {
    if (!node_.IsMap())
        throw ConfigError(where(node_) + ": " + (prefix_.empty() ? std::string("document") : "key '" + prefix_ + "'") +
                          ": expected a mapping");
}

std::string YamlMap::where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.line < 0) return file_;
    return file_ + ":" + std::to_string(m.line + 1);
}

std::string YamlMap::key_path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

bool YamlMap::has(std::string_view key) const { return static_cast<bool>(node_[std::string(key)]); }

void YamlMap::fail(std::string_view key, const std::string& what) const {
    const YAML::Node n = node_[std::string(key)];
    throw ConfigError(where(n ? n : node_) + ": key '" + key_path(key) + "': " + what);
}

void YamlMap::fail_here(const std::string& what) const {
    throw ConfigError(where(node_) + ": " + (prefix_.empty() ? std::string() : "key '" + prefix_ + "': ") + what);
}

YAML::Node YamlMap::scalar(std::string_view key) const {
    const YAML::Node n = node_[std::string(key)];
    if (!n) fail(key, "missing (required)");
    if (!n.IsScalar()) fail(key, "expected a single value");
    return n;
}

std::uint64_t YamlMap::positive_int(std::string_view key) const {
    const std::string text = scalar(key).Scalar();
    std::int64_t v = 0;
    if (!parse_int(text, v) || v <= 0) fail(key, "expected a positive integer, got '" + text + "'");
    return static_cast<std::uint64_t>(v);
}

std::uint64_t YamlMap::positive_int(std::string_view key, std::uint64_t fallback) const {
    return has(key) ? positive_int(key) : fallback;
}

std::uint64_t YamlMap::non_negative_int(std::string_view key, std::uint64_t fallback) const {
    if (!has(key)) return fallback;
    const std::string text = scalar(key).Scalar();
    std::int64_t v = 0;
    if (!parse_int(text, v) || v < 0) fail(key, "expected a non-negative integer, got '" + text + "'");
    return static_cast<std::uint64_t>(v);
}

std::uint64_t YamlMap::int_in(std::string_view key, std::uint64_t lo, std::uint64_t hi) const {
    const std::string text = scalar(key).Scalar();
    std::int64_t v = 0;
    if (!parse_int(text, v) || v < 0 || static_cast<std::uint64_t>(v) < lo || static_cast<std::uint64_t>(v) > hi)
        fail(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + text + "'");
    return static_cast<std::uint64_t>(v);
}

std::uint64_t YamlMap::int_in(std::string_view key, std::uint64_t lo, std::uint64_t hi, std::uint64_t fallback) const {
    return has(key) ? int_in(key, lo, hi) : fallback;
}

double YamlMap::positive_number(std::string_view key) const {
    const std::string text = scalar(key).Scalar();
    double v = 0;
    if (!parse_number(text, v) || v <= 0) fail(key, "expected a positive number, got '" + text + "'");
    return v;
}

double YamlMap::positive_number(std::string_view key, double fallback) const {
    return has(key) ? positive_number(key) : fallback;
}

std::string YamlMap::string(std::string_view key) const {
    const std::string text = scalar(key).Scalar();
    if (text.empty()) fail(key, "expected a non-empty string");
    return text;
}

std::string YamlMap::string(std::string_view key, const std::string& fallback) const {
    return has(key) ? string(key) : fallback;
}

bool YamlMap::boolean(std::string_view key, bool fallback) const {
    if (!has(key)) return fallback;
    const std::string text = scalar(key).Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
    fail(key, "expected true or false, got '" + text + "'");
}

YamlMap YamlMap::map(std::string_view key) const {
    const YAML::Node n = node_[std::string(key)];
    if (!n) fail(key, "missing (required)");
    if (!n.IsMap()) fail(key, "expected a mapping");
    return YamlMap(n, file_, key_path(key));
}

std::vector<YAML::Node> YamlMap::list(std::string_view key) const {
    const YAML::Node n = node_[std::string(key)];
    if (!n) fail(key, "missing (required)");
    if (!n.IsSequence()) fail(key, "expected a list");
    std::vector<YAML::Node> out;
    for (const auto& item : n) out.push_back(item);
    return out;
}

std::vector<std::string> YamlMap::string_list(std::string_view key) const {
    std::vector<std::string> out;
    for (const YAML::Node& item : list(key)) {
        if (!item.IsScalar()) fail(key, "expected a list of names");
        out.push_back(item.Scalar());
    }
    return out;
}

void YamlMap::only_keys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& kv : node_) {
        if (!kv.first.IsScalar()) throw ConfigError(where(kv.first) + ": " + (prefix_.empty() ? std::string("document") :
                                                    "key '" + prefix_ + "'") + ": expected plain keys, got a " +
                                                    (kv.first.IsMap() ? "mapping" : "list") + " as a key");
        const std::string k = kv.first.Scalar();
        bool known = false;
        for (std::string_view a : allowed) known = known || (a == k);
        if (known) continue;
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        throw ConfigError(where(kv.first) + ": unknown key '" + key_path(k) + "' (expected one of: " + list + ")");
    }
}

}  // namespace fusemax
