#include "pe/pe_array.h"

namespace fusemax {

namespace {

// Socket names after the paths they stand for: "sched2pe2d", "pe1d2pe2d", "pe2d2glb", "pe2d2pe1d".
std::string path(const char* from, const char* to) { return std::string(from) + "2" + to; }

}  // namespace

PeArray::PeArray(const sc_core::sc_module_name& name, ArrayKind kind, const ArchConfig& arch)
    : sc_core::sc_module(name),
      cmd_in(path("sched", kind == ArrayKind::Pe2d ? "pe2d" : "pe1d").c_str()),
      link_in(path(kind == ArrayKind::Pe2d ? "pe1d" : "pe2d", kind == ArrayKind::Pe2d ? "pe2d" : "pe1d").c_str()),
      glb_out(path(kind == ArrayKind::Pe2d ? "pe2d" : "pe1d", "glb").c_str()),
      link_out(path(kind == ArrayKind::Pe2d ? "pe2d" : "pe1d", kind == ArrayKind::Pe2d ? "pe1d" : "pe2d").c_str()),
      kind_(kind),
      arch_(arch),
      clock_(arch.clock_hz),
      exp_(kind == ArrayKind::Pe2d ? arch.pe2d.exp : arch.pe1d.exp),
      glb_(glb_out, clock_, glb_out.name()),
      link_(link_out, clock_, link_out.name()) {
    cmd_in.register_b_transport(this, &PeArray::b_transport);
    link_in.register_b_transport(this, &PeArray::link_b_transport);
    link_.attach(&forward_ext_);
}

const PeArray::OpTiming& PeArray::timing(const TileOp& op) {
    if (op.extent.e != timing_e_ || op.extent.f != timing_f_) {
        const CostVariables vars{op.extent.e, op.extent.f, arch_.pe2d.rows, arch_.pe2d.cols, arch_.pe1d.lanes};
        for (const OpBinding& b : arch_.schedule.ops)
            timing_[index_of(b.op)] = {static_cast<Cycle>(b.cycles.eval(vars)),
                                       static_cast<Cycle>(b.result_latency.eval(vars))};
        timing_e_ = op.extent.e;
        timing_f_ = op.extent.f;
    }
    return timing_[index_of(op.op)];
}

void PeArray::fetch_operands(const TileOp& op, Cycle at) {
    const TileOperands& a = op.operands;
    const std::uint64_t rows = op.extent.rows, cols = op.extent.cols, e = op.extent.e, f = op.extent.f;
    auto buf = [&op](float* p) { return op.functional ? p : nullptr; };
    switch (op.op) {
        case Op::QK:
            glb_.read(a.q, cols * e, buf(datapath_.q_tile()), at);
            glb_.read(a.k, rows * e, buf(datapath_.k_tile()), at);
            break;
        case Op::SLNV: glb_.read(a.v, rows * f, buf(datapath_.v_tile()), at); break;
        case Op::RM: glb_.read(a.rm, cols, buf(datapath_.rm_state()), at); break;
        case Op::SPD: glb_.read(a.rd, cols, buf(datapath_.rd_state()), at); break;
        case Op::SPNV: glb_.read(a.rnv, cols * f, buf(datapath_.rnv_state()), at); break;
        case Op::AV:
            glb_.read(a.rnv, cols * f, buf(datapath_.rnv_state()), at);
            glb_.read(a.rd, cols, buf(datapath_.rd_state()), at);
            break;
        default: break;
    }
}

void PeArray::store_state(const TileOp& op, Cycle at) {
    const TileOperands& a = op.operands;
    const std::uint64_t cols = op.extent.cols, f = op.extent.f;
    auto buf = [&op](float* p) { return op.functional ? p : nullptr; };
    switch (op.op) {
        case Op::RM: glb_.write(a.rm, cols, buf(datapath_.rm_state()), at); break;
        case Op::RD: glb_.write(a.rd, cols, buf(datapath_.rd_state()), at); break;
        case Op::RNV: glb_.write(a.rnv, cols * f, buf(datapath_.rnv_state()), at); break;
        default: break;
    }
}

void PeArray::forward_results(const TileOp& op, Cycle at) {
    forward_ext_.e = op.extent.e;
    forward_ext_.f = op.extent.f;
    for (TileValue v : op_outputs(op.op)) {
        forward_ext_.value = v;
        link_.write(0, datapath_.reg_words(v), datapath_.reg(v), at);
        ++stats_.value().forwards;
    }
}

void PeArray::fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) {
    stats_.fast_forward(slot, periods, shift);
    busy_until_ += periods * shift;
}

// GLB traffic the scheduler lists with the op: intermediates the configuration routes through the
// GLB and the 3-pass ops' operands. Reads happen when the op starts, writes when it ends.
void PeArray::listed_glb_accesses(const TileOp& op, bool writes, Cycle at) {
    for (std::uint8_t i = 0; i < op.glb_count; ++i) {
        const GlbAccess& g = op.glb[i];
        if (g.write != writes) continue;
        float* values = op.functional ? datapath_.reg(g.value) : nullptr;
        if (g.write) glb_.write(g.word, g.words, values, at);
        else glb_.read(g.word, g.words, values, at);
    }
}

void PeArray::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    PeArrayStats& stats = stats_.value();
    ++stats.transactions;
    TileOp* op = gp.get_extension<TileOp>();
    if (!op) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const OpTiming& t = timing(*op);
    const Cycle arrival = op->arrival;
    // In order: an op starts when it has arrived and the array has finished the previous one.
    const Cycle start = std::max(arrival, busy_until_);
    const Cycle end = start + t.cycles;
    busy_until_ = end;

    if (op->functional) datapath_.shape(arch_.pe2d.rows, arch_.pe2d.cols, op->extent.e, op->extent.f);
    if (!op->listed_only) fetch_operands(*op, start);
    listed_glb_accesses(*op, false, start);
    if (op->functional) {
        float* out = op->op == Op::AV ? reinterpret_cast<float*>(gp.get_data_ptr()) : nullptr;
        datapath_.execute(op->op, op->extent, op->first_key_tile, out);
    }
    if (!op->listed_only) store_state(*op, end);
    listed_glb_accesses(*op, true, end);
    if (op->forward && op->functional) forward_results(*op, end + t.latency);

    if (stats.op_count++ == 0) stats.first_start = start;
    OpStats& s = stats.ops[index_of(op->op)];
    ++s.count;
    s.cycles += t.cycles;
    stats.busy_cycles += t.cycles;
    stats.actions += op_actions(op->op, op->extent, exp_);
    stats.last_end = end;

    executed(*op, start, end);
    op->start = start;
    op->end = end;
    op->done = end + t.latency;
    delay = clock_.delay_until(op->done);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PeArray::link_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    ++stats_.value().transactions;
    const Forward* fwd = gp.get_extension<Forward>();
    if (!fwd || gp.get_command() != tlm::TLM_WRITE_COMMAND) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    datapath_.shape(arch_.pe2d.rows, arch_.pe2d.cols, fwd->e, fwd->f);
    const std::size_t words = gp.get_data_length() / 4;
    if (words != datapath_.reg_words(fwd->value)) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const float* src = reinterpret_cast<const float*>(gp.get_data_ptr());
    std::copy(src, src + words, datapath_.reg(fwd->value));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PeArray::write_stats(nlohmann::json& out) const { stats_.write_json(out); }

nlohmann::json PeArray::op_table() const {
    nlohmann::json group;
    stats_.write_json(group);
    return group["ops"];
}

}  // namespace fusemax
