#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fusemax {

// Area per instance at one technology (configs/area/*.yaml, from Accelergy's 45 nm exports): compute
// units by name, register files by depth in words, GLBs by capacity and row width. Only the sizes
// listed are known: the area model never interpolates.
struct AreaTable {
    std::string name;  // empty: no table loaded
    std::string source;
    std::map<std::string, double> units;             // um^2 per unit (mac, max, divide, exp, spatial_link)
    std::map<std::uint64_t, double> reg_file;        // um^2 per register file, by depth
    std::map<std::pair<std::uint64_t, std::uint64_t>, double> glb;  // um^2 by (capacity bytes, row bits)

    bool empty() const { return name.empty(); }
};

// Reads an area table YAML; errors name the file and key.
AreaTable load_area_table(const std::string& path, const std::string& what = "");

}  // namespace fusemax
