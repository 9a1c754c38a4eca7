#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "fusemax/area/area_table.h"
#include "fusemax/energy/energy_table.h"

namespace fusemax {

// A GLB the tables do not characterise, priced by fits over the ones they do (architecture key
// glb_model: fit). Estimates, not Accelergy's figures: the statistics say so.
//
// Energy per row: the characterised sizes' energy per bit, a least-squares line in capacity,
// times the row's bits (reads and writes apart). Needs two capacities.
std::optional<GlbEnergy> fit_glb_energy(const std::vector<GlbEnergy>& known, std::uint64_t capacity_bytes,
                                        std::uint64_t row_bits);
// Area: a least-squares power law in capacity and row width, area = k C^a W^b, over the area
// table's GLBs. Needs three of them.
std::optional<double> fit_glb_area(const AreaTable& t, std::uint64_t capacity_bytes, std::uint64_t row_bits);

}  // namespace fusemax
