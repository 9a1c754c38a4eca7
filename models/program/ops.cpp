#include "fusemax/program/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fusemax/numerics/blas.h"
#include "fusemax/program/tile_registers.h"

namespace fusemax {
namespace {

constexpr std::array<std::string_view, kArrayCount> kArrayNames = {"pe2d", "pe1d"};
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// The kernels: each op's arithmetic, in fp32, on the valid part of the tile. C is the register row
// stride (the array's columns).

// The arrays' dot products run as BLAS products (fp32, each PE's sum in the BLAS's order).
void qk(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t nm = x.rows, np = x.cols, C = r.cols(), E = r.e();
    const float* q = r.operand(Operand::QTile);  // [p][e]
    const float* k = r.operand(Operand::KTile);  // [m][e]
    float* out = r.value(TileValue::QK);         // [m][p] = K Q^T
    sgemm(false, true, nm, np, E, 1.0f, k, E, q, E, 0.0f, out, C);
    // A masked score counts for nothing: -inf drops out of the max, and exp(-inf - max) is 0.
    const KeyMask& mask = r.mask;
    if (mask.active)
        for (std::size_t m = 0; m < nm; ++m)
            for (std::size_t p = 0; p < np; ++p)
                if (!mask.visible(mask.key0 + m, mask.query0 + p)) out[m * C + p] = kNegInf;
}

void lm(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t C = r.cols();
    const float* s = r.value(TileValue::QK);
    float* out = r.value(TileValue::LM);
    std::fill(out, out + x.cols, kNegInf);
    for (std::size_t m = 0; m < x.rows; ++m)
        for (std::size_t p = 0; p < x.cols; ++p) out[p] = std::max(out[p], s[m * C + p]);
}

void rm(TileRegisters& r, const OpExtent& x, bool first, float*) {
    float* state = r.operand(Operand::RunningMax);
    float* old_max = r.value(TileValue::RmOld);
    float* new_max = r.value(TileValue::RmNew);
    const float* local = r.value(TileValue::LM);
    for (std::size_t p = 0; p < x.cols; ++p) {
        old_max[p] = first ? kNegInf : state[p];
        new_max[p] = std::max(old_max[p], local[p]);
        state[p] = new_max[p];
    }
}

void sln(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t C = r.cols();
    const float* s = r.value(TileValue::QK);
    const float* max = r.value(TileValue::RmNew);
    float* out = r.value(TileValue::SLN);
    for (std::size_t m = 0; m < x.rows; ++m) {
        float* row = out + m * C;
        for (std::size_t p = 0; p < x.cols; ++p) row[p] = s[m * C + p] - max[p];
        exp_f32(row, row, x.cols);
    }
    // A query that has seen no visible key yet has max -inf: its scores are all masked, worth 0.
    for (std::size_t p = 0; p < x.cols; ++p)
        if (max[p] == kNegInf)
            for (std::size_t m = 0; m < x.rows; ++m) out[m * C + p] = 0.0f;
}

void sld(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t C = r.cols();
    const float* n = r.value(TileValue::SLN);
    float* out = r.value(TileValue::SLD);
    std::fill(out, out + x.cols, 0.0f);
    for (std::size_t m = 0; m < x.rows; ++m)
        for (std::size_t p = 0; p < x.cols; ++p) out[p] += n[m * C + p];
}

void prm(TileRegisters& r, const OpExtent& x, bool first, float*) {
    // On the first key tile there is no old state to rescale (RM was -inf).
    const float* old_max = r.value(TileValue::RmOld);
    const float* new_max = r.value(TileValue::RmNew);
    float* out = r.value(TileValue::PRM);
    for (std::size_t p = 0; p < x.cols; ++p)
        out[p] = first || new_max[p] == kNegInf ? 0.0f : std::exp(old_max[p] - new_max[p]);
    if (r.fault == DatapathFault::Rescale && !first) std::fill(out, out + x.cols, 1.0f);
}

void spd(TileRegisters& r, const OpExtent& x, bool first, float*) {
    const float* rescale = r.value(TileValue::PRM);
    const float* state = r.operand(Operand::RunningDen);
    float* out = r.value(TileValue::SPD);
    for (std::size_t p = 0; p < x.cols; ++p) out[p] = rescale[p] * (first ? 0.0f : state[p]);
}

void rd(TileRegisters& r, const OpExtent& x, bool, float*) {
    const float* scaled = r.value(TileValue::SPD);
    const float* local = r.value(TileValue::SLD);
    float* state = r.operand(Operand::RunningDen);
    float* out = r.value(TileValue::RD);
    for (std::size_t p = 0; p < x.cols; ++p) state[p] = out[p] = scaled[p] + local[p];
}

void slnv(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t nm = x.rows, np = x.cols, C = r.cols(), F = r.f();
    const float* v = r.operand(Operand::VTile);
    const float* n = r.value(TileValue::SLN);
    float* out = r.value(TileValue::SLNV);
    const std::size_t keys = nm - (r.fault == DatapathFault::DropKey && nm > 1 ? 1 : 0);
    sgemm(true, false, F, np, keys, 1.0f, v, F, n, C, 0.0f, out, C);  // [f][p] = V^T N
}

void spnv(TileRegisters& r, const OpExtent& x, bool first, float*) {
    const std::size_t C = r.cols(), F = r.f();
    const float* rescale = r.value(TileValue::PRM);
    const float* state = r.operand(Operand::RunningNum);
    float* out = r.value(TileValue::SPNV);
    for (std::size_t f = 0; f < F; ++f)
        for (std::size_t p = 0; p < x.cols; ++p) out[f * C + p] = rescale[p] * (first ? 0.0f : state[p * F + f]);
}

void rnv(TileRegisters& r, const OpExtent& x, bool, float*) {
    const std::size_t C = r.cols(), F = r.f();
    const float* scaled = r.value(TileValue::SPNV);
    const float* local = r.value(TileValue::SLNV);
    float* state = r.operand(Operand::RunningNum);
    float* out = r.value(TileValue::RNV);
    for (std::size_t f = 0; f < F; ++f)
        for (std::size_t p = 0; p < x.cols; ++p) {
            out[f * C + p] = scaled[f * C + p] + local[f * C + p];
            state[p * F + f] = out[f * C + p];
        }
}

void av(TileRegisters& r, const OpExtent& x, bool, float* out) {
    const std::size_t F = r.f();
    const float* num = r.operand(Operand::RunningNum);
    const float* den = r.operand(Operand::RunningDen);
    for (std::size_t p = 0; p < x.cols; ++p)
        for (std::size_t f = 0; f < F; ++f) out[p * F + f] = den[p] == 0.0f ? 0.0f : num[p * F + f] / den[p];  // 0: no visible key
}

// Each PE (m, n) accumulates over the chunk's k in order, from zero at the first chunk; the block
// leaves the array (to DRAM, past the GLB) after the last chunk. A is [m][k], W [k][n] (rows of
// x.cols), Z [m][n] in the registers (row stride C) and in `out`.
void mm(TileRegisters& r, const OpExtent& x, bool first, float* out) {
    const std::size_t nm = x.rows, nn = x.cols, C = r.cols(), K = x.e;
    const float* a = r.operand(Operand::ATile);
    const float* w = r.operand(Operand::WTile);
    float* z = r.value(TileValue::Z);
    sgemm(false, false, nm, nn, K, 1.0f, a, K, w, nn, first ? 0.0f : 1.0f, z, C);
    if (out)
        for (std::size_t m = 0; m < nm; ++m) std::copy(z + m * C, z + m * C + nn, out + m * nn);
}

// The table: one row per op, in the order of Op.
std::array<OpSpec, kOpCount> make_table() {
    using O = Op;
    using V = TileValue;
    using D = Operand;
    using S = Size;
    std::array<OpSpec, kOpCount> t{{
        {O::QK, "QK", {}, {V::QK}, {D::QTile, D::KTile}, {}, S::ScoresE, S::None, S::None, S::None, S::None, "E", qk},
        {O::LM, "LM", {O::QK}, {V::LM}, {}, {}, S::None, S::None, S::Scores, S::None, S::None, "1", lm},
        {O::RM, "RM", {O::LM}, {V::RmOld, V::RmNew}, {D::RunningMax}, {D::RunningMax}, S::None, S::None, S::Cols,
         S::None, S::None, "1", rm},
        {O::SLN, "SLN", {O::QK, O::RM}, {V::SLN}, {}, {}, S::None, S::None, S::None, S::None, S::Scores, "7", sln},
        {O::SLD, "SLD", {O::SLN}, {V::SLD}, {}, {}, S::None, S::Scores, S::None, S::None, S::None, "1", sld},
        {O::PRM, "PRM", {O::RM}, {V::PRM}, {}, {}, S::None, S::None, S::None, S::None, S::Cols, "7", prm},
        {O::SPD, "SPD", {O::PRM}, {V::SPD}, {D::RunningDen}, {}, S::Cols, S::None, S::None, S::None, S::None, "1", spd},
        {O::RD, "RD", {O::SPD, O::SLD}, {V::RD}, {}, {D::RunningDen}, S::None, S::Cols, S::None, S::None, S::None, "1",
         rd},
        {O::SLNV, "SLNV", {O::SLN}, {V::SLNV}, {D::VTile}, {}, S::ScoresF, S::None, S::None, S::None, S::None, "F",
         slnv},
        {O::SPNV, "SPNV", {O::PRM}, {V::SPNV}, {D::RunningNum}, {}, S::ColsF, S::None, S::None, S::None, S::None, "F",
         spnv},
        {O::RNV, "RNV", {O::SPNV, O::SLNV}, {V::RNV}, {}, {D::RunningNum}, S::None, S::ColsF, S::None, S::None,
         S::None, "F", rnv},
        {O::AV, "AV", {O::RD, O::RNV}, {}, {D::RunningNum, D::RunningDen}, {}, S::None, S::None, S::None, S::ColsF,
         S::None, "F", av},
        {O::MX, "MX", {O::QK}, {}, {}, {}, S::None, S::None, S::Scores, S::None, S::None, "ROWS", nullptr},
        {O::SN, "SN", {O::QK, O::MX}, {}, {}, {}, S::None, S::None, S::None, S::None, S::Scores, "ROWS", nullptr},
        {O::SD, "SD", {O::SN}, {}, {}, {}, S::None, S::Scores, S::None, S::None, S::None, "ROWS", nullptr},
        {O::A, "A", {O::SN, O::SD}, {}, {}, {}, S::None, S::None, S::None, S::Scores, S::None, "ROWS", nullptr},
        {O::AVM, "AVM", {O::A}, {}, {}, {}, S::ScoresF, S::None, S::None, S::None, S::None, "F", nullptr},
        {O::MM, "MM", {}, {V::Z}, {D::ATile, D::WTile}, {}, S::ScoresE, S::None, S::None, S::None, S::None, "E", mm},
    }};
    // The 1D array's ops on FuseMax (reference section 2); everything else defaults to the 2D array.
    for (Op op : {O::RM, O::PRM, O::SPD, O::RD, O::SPNV, O::RNV, O::AV, O::MX, O::SN, O::SD, O::A})
        t[index_of(op)].default_array = ArrayKind::Pe1d;
    t[index_of(O::AV)].output = S::ColsF;
    t[index_of(O::MM)].output = S::Scores;
    t[index_of(O::MM)].e_is_chunk = true;
    return t;
}

const std::array<OpSpec, kOpCount>& table() {
    static const std::array<OpSpec, kOpCount> t = make_table();
    return t;
}

}  // namespace

const OpSpec& op_spec(Op op) { return table()[index_of(op)]; }

std::string_view op_name(Op op) { return op_spec(op).name; }

std::optional<Op> op_from_name(std::string_view name) {
    for (const OpSpec& s : table())
        if (s.name == name) return s.op;
    return std::nullopt;
}

std::string_view array_name(ArrayKind array) { return kArrayNames[index_of(array)]; }

std::optional<ArrayKind> array_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kArrayCount; ++i)
        if (kArrayNames[i] == name) return static_cast<ArrayKind>(i);
    return std::nullopt;
}

Size value_size(TileValue v) {
    switch (v) {
        case TileValue::QK:
        case TileValue::SLN:
        case TileValue::Z: return Size::Scores;
        case TileValue::SLNV:
        case TileValue::SPNV:
        case TileValue::RNV: return Size::ColsF;
        default: return Size::Cols;
    }
}

Size operand_size(Operand o) {
    switch (o) {
        case Operand::QTile: return Size::ColsE;
        case Operand::KTile: return Size::RowsE;
        case Operand::VTile: return Size::RowsF;
        case Operand::RunningMax:
        case Operand::RunningDen: return Size::Cols;
        case Operand::RunningNum: return Size::ColsF;
        case Operand::ATile: return Size::RowsE;
        case Operand::WTile: return Size::ColsE;
    }
    return Size::None;
}

const std::vector<Op>& op_inputs(Op op) { return op_spec(op).inputs; }

std::uint64_t op_result_words(Op op, std::uint64_t rows, std::uint64_t cols, std::uint64_t f) {
    const OpSpec& s = op_spec(op);
    return s.outputs.size() == 1 ? size_of(value_size(s.outputs.front()), rows, cols, 0, f) : 0;
}

bool is_three_pass_op(Op op) { return op == Op::QK || (op != Op::MM && !op_spec(op).kernel); }

ActionCounts op_actions(Op op, const OpExtent& x, const ExpActions& exp) {
    const OpSpec& s = op_spec(op);
    auto n = [&x](Size size) { return size_of(size, x.rows, x.cols, x.e, x.f); };
    const std::uint64_t exps = n(s.exps);
    return {n(s.macs) + exps * exp.mac, n(s.adds) + exps * exp.add, n(s.maxes), exps * exp.exp, n(s.divides)};
}

ActionCounts op_action_kinds(Op op, const ExpActions& exp) {
    return op_actions(op, OpExtent{1, 1, 1, 1}, exp);
}

}  // namespace fusemax
