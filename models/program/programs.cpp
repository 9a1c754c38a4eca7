#include "fusemax/program/programs.h"

#include <array>

namespace fusemax {
namespace {

const std::array<ProgramSpec, 4>& catalogue() {
    using O = Op;
    static const std::array<ProgramSpec, 4> programs{{
        {"one_pass",
         {O::QK, O::LM, O::RM, O::SLN, O::SLD, O::PRM, O::SPD, O::RD, O::SLNV, O::SPNV, O::RNV, O::AV},
         true, true, false, true},
        {"unfused", {O::QK, O::MX, O::SN, O::SD, O::A, O::AVM}, false, false, false, true},
        {"flat", {O::QK, O::MX, O::SN, O::SD, O::A, O::AVM}, false, false, true, true},
        {"gemm", {O::MM}, false, true, false},
    }};
    return programs;
}

}  // namespace

const ProgramSpec* find_program(std::string_view name) {
    for (const ProgramSpec& p : catalogue())
        if (p.name == name) return &p;
    return nullptr;
}

std::string program_names() {
    std::string out;
    for (const ProgramSpec& p : catalogue()) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out;
}

}  // namespace fusemax
