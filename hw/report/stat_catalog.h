#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace fusemax {

// Where a statistic appears. Stats: the statistics JSON (fusemax-sim --stats, fusemax.run().stats);
// a top-level entry is also the column of that name in the sweep's and the explorer's CSV. Host: the
// JSON's "host" object, measurements of the machine that ran the simulation (not reproducible, kept
// apart so that two runs' statistics diff clean). Sweep / Explore: columns only tools/sweep's CSV or
// fusemax-explore's points.csv have.
enum class StatScope : std::uint8_t { Stats, Host, Sweep, Explore };

// One statistic: its path (keys joined by '.', "*" for any key, "{a,b}" for either, "[]" for each
// element of a list), its unit and what it means. Units: cycles (a duration in clock cycles), cycle
// (a point in time, in cycles since the run's first job started: origin_cycle), s, pJ, um^2, bytes,
// words, rows, count, fraction (0..1), bytes/s, ops/s, bytes/cycle, Hz, ps, text, bool.
struct StatInfo {
    const char* path;
    const char* unit;
    const char* description;
    StatScope scope = StatScope::Stats;
};

// Every statistic fusemax reports, in the order --describe-stats lists them. The one place their
// units and meanings are written down; tests check that every statistic a job writes is listed and
// every listed one is written by some job.
const std::vector<StatInfo>& stat_catalog();

const char* scope_name(StatScope s);

// Calls `fn` on every value of `j` that `pattern` (a catalog path) names.
void for_each_stat(nlohmann::json& j, const std::string& pattern, const std::function<void(nlohmann::json&)>& fn);

// Every leaf path of `j` that no catalog entry of scope Stats or Host names ("" when all are).
std::vector<std::string> undescribed_stats(const nlohmann::json& j);

// Timestamps (unit "cycle") relative to `origin`, the absolute cycle the run's first job started.
void relative_to_origin(nlohmann::json& j, std::uint64_t origin);

// The catalog as text (an aligned table), JSON (a list of {path, unit, scope, description}) or CSV.
std::string describe_stats(const std::string& format);

}  // namespace fusemax
