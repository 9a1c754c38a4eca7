#pragma once
#include <nlohmann/json.hpp>

namespace fusemax {

// A module that owns a statistics group. The reporter walks the module tree and asks each
// StatsSource to write its group; modules never read each other's statistics.
class StatsSource {
public:
    virtual ~StatsSource() = default;
    virtual void write_stats(nlohmann::json& out) const = 0;
};

}  // namespace fusemax
