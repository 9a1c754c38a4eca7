#include "program/ops.h"

namespace fusemax {
namespace {
constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "QK", "LM", "RM", "SLN", "SLD", "PRM", "SPD", "RD", "SLNV", "SPNV", "RNV", "AV", "MX", "SN", "SD", "A", "AVM"};
constexpr std::array<std::string_view, kArrayCount> kArrayNames = {"pe2d", "pe1d"};

ActionCounts exps(std::uint64_t n, const ExpActions& exp) {
    return {n * exp.mac, n * exp.add, 0, n * exp.exp, 0};
}
}  // namespace

std::string_view op_name(Op op) { return kOpNames[index_of(op)]; }

std::optional<Op> op_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kOpCount; ++i)
        if (kOpNames[i] == name) return static_cast<Op>(i);
    return std::nullopt;
}

std::string_view array_name(ArrayKind array) { return kArrayNames[index_of(array)]; }

std::optional<ArrayKind> array_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kArrayCount; ++i)
        if (kArrayNames[i] == name) return static_cast<ArrayKind>(i);
    return std::nullopt;
}

std::vector<Op> op_inputs(Op op) {
    switch (op) {
        case Op::QK: return {};
        case Op::LM: return {Op::QK};
        case Op::RM: return {Op::LM};
        case Op::SLN: return {Op::QK, Op::RM};
        case Op::SLD: return {Op::SLN};
        case Op::PRM: return {Op::RM};
        case Op::SPD: return {Op::PRM};
        case Op::RD: return {Op::SPD, Op::SLD};
        case Op::SLNV: return {Op::SLN};
        case Op::SPNV: return {Op::PRM};
        case Op::RNV: return {Op::SPNV, Op::SLNV};
        case Op::AV: return {Op::RD, Op::RNV};
        case Op::MX: return {Op::QK};
        case Op::SN: return {Op::QK, Op::MX};
        case Op::SD: return {Op::SN};
        case Op::A: return {Op::SN, Op::SD};
        case Op::AVM: return {Op::A};
    }
    return {};
}

std::uint64_t op_result_words(Op op, std::uint64_t rows, std::uint64_t cols, std::uint64_t f) {
    switch (op) {
        case Op::QK:
        case Op::SLN: return rows * cols;
        case Op::LM:
        case Op::SLD:
        case Op::PRM:
        case Op::SPD:
        case Op::RD: return cols;
        case Op::SLNV:
        case Op::SPNV:
        case Op::RNV: return f * cols;
        default: return 0;
    }
}

bool is_three_pass_op(Op op) {
    return op == Op::QK || op == Op::MX || op == Op::SN || op == Op::SD || op == Op::A || op == Op::AVM;
}

ActionCounts op_actions(Op op, const OpExtent& x, const ExpActions& exp) {
    const std::uint64_t scores = std::uint64_t{x.rows} * x.cols;
    const std::uint64_t cols = x.cols;
    switch (op) {
        case Op::QK: return {scores * x.e, 0, 0, 0, 0};
        case Op::LM: return {0, 0, scores, 0, 0};
        case Op::SLN: return exps(scores, exp);
        case Op::SLD: return {0, scores, 0, 0, 0};
        case Op::SLNV: return {scores * x.f, 0, 0, 0, 0};
        case Op::RM: return {0, 0, cols, 0, 0};
        case Op::PRM: return exps(cols, exp);
        case Op::SPD: return {cols, 0, 0, 0, 0};
        case Op::RD: return {0, cols, 0, 0, 0};
        case Op::SPNV: return {cols * x.f, 0, 0, 0, 0};
        case Op::RNV: return {0, cols * x.f, 0, 0, 0};
        case Op::AV: return {0, 0, 0, 0, cols * x.f};
        case Op::MX: return {0, 0, scores, 0, 0};
        case Op::SN: return exps(scores, exp);
        case Op::SD: return {0, scores, 0, 0, 0};
        case Op::A: return {0, 0, 0, 0, scores};
        case Op::AVM: return {scores * x.f, 0, 0, 0, 0};
    }
    return {};
}

ActionCounts op_action_kinds(Op op, const ExpActions& exp) {
    return op_actions(op, OpExtent{1, 1, 1, 1}, exp);
}

}  // namespace fusemax
