#include "fusemax/pe/pe_array.h"

namespace fusemax {

namespace {

// Socket names after the paths they stand for: "sched2pe2d", "pe1d2pe2d", "pe2d2glb", "pe2d2pe1d".
std::string path(const char* from, const char* to) { return std::string(from) + "2" + to; }

}  // namespace

PeArray::PeArray(const sc_core::sc_module_name& name, ArrayKind kind, const ArchConfig& arch)
    : sc_core::sc_module(name),
      cmd_in(path("sched", kind == ArrayKind::Pe2d ? "pe2d" : "pe1d").c_str(), this),
      link_in(path(kind == ArrayKind::Pe2d ? "pe1d" : "pe2d", kind == ArrayKind::Pe2d ? "pe2d" : "pe1d").c_str(), this),
      glb_out(path(kind == ArrayKind::Pe2d ? "pe2d" : "pe1d", "glb").c_str()),
      link_out(path(kind == ArrayKind::Pe2d ? "pe2d" : "pe1d", kind == ArrayKind::Pe2d ? "pe1d" : "pe2d").c_str()),
      kind_(kind),
      arch_(arch),
      clock_(arch.clock_hz),
      exp_(kind == ArrayKind::Pe2d ? arch.pe2d.exp : arch.pe1d.exp),
      glb_(glb_out, clock_, glb_out.name()),
      link_(link_out, clock_, link_out.name()) {
    link_.attach(&forward_ext_);
    for (const OpBinding& b : arch_.schedule.ops) binding_[index_of(b.op)] = &b;
}

inline PeArray::OpCost& PeArray::cost(const TileOp& op) {
    OpCost& c = costs_[index_of(op.op)];
    const OpExtent& x = op.extent;
    if (c.valid && c.extent == x) return c;
    return costed(op);
}

PeArray::OpCost& PeArray::costed(const TileOp& op) {
    OpCost& c = costs_[index_of(op.op)];
    if (c.valid) fold(c);  // its counts belong to the extent it had
    const OpExtent& x = op.extent;
    c.extent = x;
    c.valid = true;
    c.spec = &op_spec(op.op);
    const CostVariables vars{x.e, x.f, arch_.pe2d.rows, arch_.pe2d.cols, arch_.pe1d.lanes};
    const OpBinding* b = binding_[index_of(op.op)];
    c.cycles = b ? static_cast<Cycle>(b->cycles.eval(vars)) : 0;
    c.latency = b ? static_cast<Cycle>(b->result_latency.eval(vars)) : 0;
    c.units = kind_ == ArrayKind::Pe2d ? std::uint64_t{x.rows} * x.cols : std::min<std::uint64_t>(x.cols, arch_.pe1d.lanes);
    c.actions = op_actions(op.op, x, exp_);
    for (std::size_t o = 0; o < kOperandCount; ++o)
        c.operand_words[o] = size_of(operand_size(static_cast<Operand>(o)), x.rows, x.cols, x.e, x.f);
    return c;
}

// The op's GLB operands (operand tiles, running state) as its table row lists them: reads when it
// starts, running-state writes when it ends.
template <bool Functional>
inline void PeArray::glb_operands(const TileOp& op, const OpCost& c, const std::vector<Operand>& operands, bool write,
                                  Cycle at, Cycle now) {
    for (Operand o : operands) {
        const std::uint64_t words = c.operand_words[index_of(o)];
        float* values = Functional ? registers_.operand(o) : nullptr;
        if (write) glb_.write(op.operands[index_of(o)], words, values, at, now);
        else glb_.read(op.operands[index_of(o)], words, values, at, now);
    }
}

void PeArray::forward_results(const TileOp& op, Cycle at, Cycle now) {
    forward_ext_.e = op.extent.e;
    forward_ext_.f = op.extent.f;
    for (TileValue v : op_spec(op.op).outputs) {
        forward_ext_.value = v;
        link_.write(0, registers_.value_words(v), registers_.value(v), at, now);
        ++stats_.value().forwards;
    }
}

// The counts of the ops run at `c` since the last fold: a count, cycles, busy and unit cycles and
// actions per op, each a product now instead of a sum on every op.
void PeArray::fold(OpCost& c) const {
    std::uint64_t n = 0;
    for (std::uint64_t p : c.pending) n += p;
    if (n == 0) return;
    PeArrayStats& stats = stats_.value();
    OpStats& s = stats.ops[index_of(c.spec->op)];
    s.count += n;
    s.cycles += n * c.cycles;
    stats.busy_cycles += n * c.cycles;
    stats.unit_cycles += n * c.cycles * c.units;
    stats.actions += c.actions.scaled(n);
    for (std::size_t st = 0; st < kStageCount; ++st) {
        if (c.pending[st] == 0) continue;
        stats.stages[st].actions += c.actions.scaled(c.pending[st]);
        stats.stages[st].events += c.pending[st];
    }
    c.pending = {};
}

void PeArray::fold_all() const {
    for (OpCost& c : costs_)
        if (c.valid) fold(c);
}

void PeArray::fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) {
    fold_all();
    stats_.fast_forward(slot, periods, shift);
    busy_until_ += periods * shift;
}

// GLB traffic the scheduler lists with the op: intermediates the configuration routes through the
// GLB and the 3-pass ops' operands. Reads happen when the op starts, writes when it ends.
template <bool Functional>
inline void PeArray::listed_glb_accesses(const TileOp& op, bool writes, Cycle at, Cycle now) {
    for (std::uint8_t i = 0; i < op.glb_count; ++i) {
        const GlbAccess& g = op.glb[i];
        if (g.write != writes) continue;
        float* values = Functional ? registers_.value(g.value) : nullptr;
        if (g.write) glb_.write(g.word, g.words, values, at, now);
        else glb_.read(g.word, g.words, values, at, now);
    }
}

void PeArray::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    ++stats_.value().transactions;
    TileOp* op = gp.get_extension<TileOp>();
    if (!op) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // Timing mode has its own copy of the path, without the datapath's branches.
    if (op->functional) execute<true>(gp, *op, delay);
    else execute<false>(gp, *op, delay);
}

template <bool Functional>
inline void PeArray::execute(tlm::tlm_generic_payload& gp, TileOp& op, sc_core::sc_time& delay) {
    if (gp.is_read()) {  // an op with an output to memory returns it in a payload sized as its table row says
        const OpExtent& x = op.extent;
        const std::uint64_t words = size_of(op_spec(op.op).output, x.rows, x.cols, x.e, x.f);
        if (!Functional || words == 0 || gp.get_data_length() != 4 * words || !gp.get_data_ptr()) {
            gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
    }
    OpCost& c = cost(op);
    const OpSpec& spec = *c.spec;
    const Cycle now = clock_.now();  // read once: no time passes inside this call
    // In order: an op starts when it has arrived and the array has finished the previous one.
    const Cycle start = std::max(op.arrival, busy_until_);
    const Cycle end = start + c.cycles;
    busy_until_ = end;

    if (Functional)
        registers_.shape(arch_.pe2d.rows, arch_.pe2d.cols, spec.e_is_chunk ? arch_.pe2d.rows : op.extent.e,
                         op.extent.f);
    if (!op.listed_only) glb_operands<Functional>(op, c, spec.reads, false, start, now);
    if (op.glb_count) listed_glb_accesses<Functional>(op, false, start, now);
    if (Functional) {
        float* out = gp.is_read() ? reinterpret_cast<float*>(gp.get_data_ptr()) : nullptr;
        registers_.mask = op.mask;
        if (spec.kernel) spec.kernel(registers_, op.extent, op.first_key_tile, out);
    }
    if (!op.listed_only) glb_operands<Functional>(op, c, spec.writes, true, end, now);
    if (op.glb_count) listed_glb_accesses<Functional>(op, true, end, now);
    if (Functional && op.forward) forward_results(op, end + c.latency, now);

    PeArrayStats& stats = stats_.value();
    if (stats.op_count++ == 0) stats.first_start = start;
    ++c.pending[static_cast<std::size_t>(op.stage)];
    stats.last_end = end;

    if (records_) executed(op, start, end);
    op.start = start;
    op.end = end;
    op.done = end + c.latency;
    delay = clock_.delay(op.done, now);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PeArray::link_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    ++stats_.value().transactions;
    const Forward* fwd = gp.get_extension<Forward>();
    if (!fwd || gp.get_command() != tlm::TLM_WRITE_COMMAND) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    registers_.shape(arch_.pe2d.rows, arch_.pe2d.cols, fwd->e, fwd->f);
    const std::size_t words = gp.get_data_length() / 4;
    if (words != registers_.value_words(fwd->value)) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const float* src = reinterpret_cast<const float*>(gp.get_data_ptr());
    std::copy(src, src + words, registers_.value(fwd->value));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PeArray::write_stats(nlohmann::json& out) const {
    fold_all();
    stats_.write_json(out);
}

nlohmann::json PeArray::op_table() const {
    nlohmann::json group;
    write_stats(group);
    return group["ops"];
}

}  // namespace fusemax
