#include "pe/tile_datapath.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fusemax {

std::vector<TileValue> op_outputs(Op op) {
    switch (op) {
        case Op::QK: return {TileValue::QK};
        case Op::LM: return {TileValue::LM};
        case Op::RM: return {TileValue::RmOld, TileValue::RmNew};
        case Op::SLN: return {TileValue::SLN};
        case Op::SLD: return {TileValue::SLD};
        case Op::PRM: return {TileValue::PRM};
        case Op::SPD: return {TileValue::SPD};
        case Op::RD: return {TileValue::RD};
        case Op::SLNV: return {TileValue::SLNV};
        case Op::SPNV: return {TileValue::SPNV};
        case Op::RNV: return {TileValue::RNV};
        case Op::AV: return {};
        default: return {};  // 3-pass ops run in timing mode only
    }
}

std::uint64_t TileDatapath::bytes(std::uint64_t rows, std::uint64_t cols, std::uint64_t e, std::uint64_t f) {
    const std::uint64_t tiles = 2 * rows * cols, vectors = 9 * cols, value_rows = 4 * f * cols;
    const std::uint64_t operands = 2 * cols * e + rows * e + rows * f;
    return 4 * (tiles + vectors + value_rows + operands);
}

void TileDatapath::shape(std::uint32_t rows, std::uint32_t cols, std::uint32_t e, std::uint32_t f) {
    if (rows == rows_ && cols == cols_ && e == e_ && f == f_) return;
    rows_ = rows, cols_ = cols, e_ = e, f_ = f;
    const std::size_t tile = std::size_t{rows} * cols, vec = cols, fvec = std::size_t{f} * cols;
    for (TileValue v : {TileValue::QK, TileValue::SLN}) regs_[std::size_t(v)].assign(tile, 0.0f);
    for (TileValue v : {TileValue::LM, TileValue::RmOld, TileValue::RmNew, TileValue::SLD, TileValue::PRM,
                        TileValue::SPD, TileValue::RD})
        regs_[std::size_t(v)].assign(vec, 0.0f);
    for (TileValue v : {TileValue::SLNV, TileValue::SPNV, TileValue::RNV}) regs_[std::size_t(v)].assign(fvec, 0.0f);
    q_.assign(std::size_t{cols} * e, 0.0f);
    qt_.assign(std::size_t{cols} * e, 0.0f);
    k_.assign(std::size_t{rows} * e, 0.0f);
    v_.assign(std::size_t{rows} * f, 0.0f);
    rm_state_.assign(cols, 0.0f);
    rd_state_.assign(cols, 0.0f);
    rnv_state_.assign(std::size_t{cols} * f, 0.0f);
}

void TileDatapath::execute(Op op, const OpExtent& x, bool first, float* out) {
    const std::size_t nm = x.rows, np = x.cols, C = cols_, E = e_, F = f_;
    float* qk = reg(TileValue::QK);
    float* sln = reg(TileValue::SLN);
    float* lm = reg(TileValue::LM);
    float* rm_old = reg(TileValue::RmOld);
    float* rm_new = reg(TileValue::RmNew);
    float* sld = reg(TileValue::SLD);
    float* prm = reg(TileValue::PRM);
    float* spd = reg(TileValue::SPD);
    float* rd = reg(TileValue::RD);
    float* slnv = reg(TileValue::SLNV);
    float* spnv = reg(TileValue::SPNV);
    float* rnv = reg(TileValue::RNV);
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    switch (op) {
        case Op::QK: {
            // Each PE (m, p) accumulates over e in order; Q is skewed to [e][p] as it enters.
            for (std::size_t p = 0; p < np; ++p)
                for (std::size_t e = 0; e < E; ++e) qt_[e * C + p] = q_[p * E + e];
            for (std::size_t m = 0; m < nm; ++m) {
                float* row = qk + m * C;
                std::fill(row, row + np, 0.0f);
                for (std::size_t e = 0; e < E; ++e) {
                    const float kv = k_[m * E + e];
                    const float* qe = qt_.data() + e * C;
                    for (std::size_t p = 0; p < np; ++p) row[p] += kv * qe[p];
                }
            }
            break;
        }
        case Op::LM:
            std::fill(lm, lm + np, kNegInf);
            for (std::size_t m = 0; m < nm; ++m)
                for (std::size_t p = 0; p < np; ++p) lm[p] = std::max(lm[p], qk[m * C + p]);
            break;
        case Op::RM:
            for (std::size_t p = 0; p < np; ++p) {
                rm_old[p] = first ? kNegInf : rm_state_[p];
                rm_new[p] = std::max(rm_old[p], lm[p]);
                rm_state_[p] = rm_new[p];
            }
            break;
        case Op::SLN:
            for (std::size_t m = 0; m < nm; ++m)
                for (std::size_t p = 0; p < np; ++p) sln[m * C + p] = std::exp(qk[m * C + p] - rm_new[p]);
            break;
        case Op::SLD:
            std::fill(sld, sld + np, 0.0f);
            for (std::size_t m = 0; m < nm; ++m)
                for (std::size_t p = 0; p < np; ++p) sld[p] += sln[m * C + p];
            break;
        case Op::PRM:
            // On the first key tile there is no old state to rescale (RM was -inf).
            for (std::size_t p = 0; p < np; ++p) prm[p] = first ? 0.0f : std::exp(rm_old[p] - rm_new[p]);
            if (fault_ == DatapathFault::Rescale && !first) std::fill(prm, prm + np, 1.0f);
            break;
        case Op::SPD:
            for (std::size_t p = 0; p < np; ++p) spd[p] = prm[p] * (first ? 0.0f : rd_state_[p]);
            break;
        case Op::RD:
            for (std::size_t p = 0; p < np; ++p) rd_state_[p] = rd[p] = spd[p] + sld[p];
            break;
        case Op::SLNV:
            std::fill(slnv, slnv + F * C, 0.0f);
            for (std::size_t m = 0; m < nm - (fault_ == DatapathFault::DropKey && nm > 1 ? 1 : 0); ++m)
                for (std::size_t f = 0; f < F; ++f) {
                    const float vv = v_[m * F + f];
                    float* acc = slnv + f * C;
                    const float* s = sln + m * C;
                    for (std::size_t p = 0; p < np; ++p) acc[p] += vv * s[p];
                }
            break;
        case Op::SPNV:
            for (std::size_t f = 0; f < F; ++f)
                for (std::size_t p = 0; p < np; ++p)
                    spnv[f * C + p] = prm[p] * (first ? 0.0f : rnv_state_[p * F + f]);
            break;
        case Op::RNV:
            for (std::size_t f = 0; f < F; ++f)
                for (std::size_t p = 0; p < np; ++p) {
                    rnv[f * C + p] = spnv[f * C + p] + slnv[f * C + p];
                    rnv_state_[p * F + f] = rnv[f * C + p];
                }
            break;
        case Op::AV:
            for (std::size_t p = 0; p < np; ++p)
                for (std::size_t f = 0; f < F; ++f) out[p * F + f] = rnv_state_[p * F + f] / rd_state_[p];
            break;
        default:
            break;  // 3-pass ops run in timing mode only (the scheduler refuses functional jobs for them)
    }
}

}  // namespace fusemax
