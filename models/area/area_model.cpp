#include "fusemax/area/area_model.h"

#include "fusemax/area/glb_fit.h"

namespace fusemax {
namespace {

// Area of `count` PEs of composition `pe`, plus `links` spatial links.
BlockArea array_area(const AreaTable& t, const char* block, std::uint64_t count, const PeComposition& pe,
                     std::uint64_t links) {
    if (t.empty()) return {std::nullopt, "no area_table in the architecture"};
    const auto rf = t.reg_file.find(pe.reg_depth);
    if (rf == t.reg_file.end())
        return {std::nullopt, std::string(block) + ": the area table has no register file of depth " +
                                  std::to_string(pe.reg_depth)};
    double per_pe = rf->second;
    for (const std::string& unit : pe.units) {
        const auto u = t.units.find(unit);
        if (u == t.units.end()) return {std::nullopt, std::string(block) + ": the area table has no unit '" + unit + "'"};
        per_pe += u->second;
    }
    const auto link = t.units.find("spatial_link");
    const double link_um2 = link == t.units.end() ? 0.0 : link->second;
    return {double(count) * per_pe + double(links) * link_um2, ""};
}

}  // namespace

std::optional<double> AreaReport::total_um2() const {
    if (!pe2d.um2 || !pe1d.um2 || !glb.um2) return std::nullopt;
    return *pe2d.um2 + *pe1d.um2 + *glb.um2;
}

std::string AreaReport::unavailable() const {
    for (const BlockArea* b : {&pe2d, &pe1d, &glb})
        if (!b->um2) return b->unavailable;
    return {};
}

AreaReport area_of(const ArchConfig& a) {
    const AreaTable& t = a.area;
    AreaReport r;
    r.pe2d = array_area(t, "pe2d", std::uint64_t{a.pe2d.rows} * a.pe2d.cols, a.pe2d.pe, a.pe2d.cols);
    r.pe1d = array_area(t, "pe1d", a.pe1d.lanes, a.pe1d.pe, 0);
    const std::uint64_t row_bits = a.glb_row_bits();
    if (t.empty()) {
        r.glb = {std::nullopt, "no area_table in the architecture"};
    } else if (const auto g = t.glb.find({a.glb.capacity_bytes, row_bits}); g != t.glb.end()) {
        r.glb = {g->second, ""};
    } else if (const auto fit = a.glb_fit ? fit_glb_area(t, a.glb.capacity_bytes, row_bits) : std::nullopt) {
        r.glb = {*fit, "", true};
    } else {
        r.glb = {std::nullopt, "glb: the area table has no " + std::to_string(a.glb.capacity_bytes) + "-byte GLB with " +
                                   std::to_string(row_bits) + "-bit rows"};
    }
    return r;
}

}  // namespace fusemax
