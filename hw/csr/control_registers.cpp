#include "fusemax/csr/control_registers.h"

#include <cstring>

#include "fusemax/config/config_error.h"

namespace fusemax {

using namespace regs;

ControlRegisters::ControlRegisters(const sc_core::sc_module_name& name)
    : sc_core::sc_module(name),
      csr("csr"),
      csr2sched("csr2sched"),
      sched2csr("sched2csr", this),
      irq("irq"),
      command_(new JobCommand) {
    csr.register_b_transport(this, &ControlRegisters::b_transport);
    csr.register_transport_dbg(this, &ControlRegisters::transport_dbg);
    command_gp_.set_extension(command_);
    command_gp_.set_command(tlm::TLM_IGNORE_COMMAND);
    reset_registers();
    SC_HAS_PROCESS(ControlRegisters);
    SC_METHOD(drive_irq);
    sensitive << irq_changed_;
}

void ControlRegisters::reset_registers() {
    reg_.fill(0);
    at(ID) = kIdValue;
    at(VERSION) = kVersionValue;
    at(BATCH) = at(HEADS) = 1;
    at(SEQ_Q) = at(SEQ_KV) = 256;
    at(HEAD_DIM) = at(V_DIM) = 64;
    float one = 1.0f;
    std::memcpy(&at(SCALE), &one, 4);
}

void ControlRegisters::set64(std::uint32_t lo, std::uint64_t v) {
    at(lo) = static_cast<std::uint32_t>(v);
    at(lo + 4) = static_cast<std::uint32_t>(v >> 32);
}

bool ControlRegisters::known(std::uint32_t offset) { return offset < REG_END && offset % 4 == 0; }

bool ControlRegisters::writable(std::uint32_t offset) {
    if (offset == CONTROL || offset == IRQ_ENABLE || offset == IRQ_STATUS) return true;
    return (offset >= MODE && offset < CYCLES_LO) || (offset >= PROGRAM && offset < REG_END);
}

// The interrupt line follows IRQ_STATUS & IRQ_ENABLE, driven by this one process.
void ControlRegisters::drive_irq() { irq.write((get(IRQ_STATUS) & get(IRQ_ENABLE)) != 0); }

void ControlRegisters::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const std::uint64_t offset = gp.get_address();
    auto refuse = [&](tlm::tlm_response_status s) {
        ++stats_.error_responses;
        gp.set_response_status(s);
    };
    if (gp.get_byte_enable_ptr()) return refuse(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    if (gp.get_data_length() != 4 || gp.get_streaming_width() < 4) return refuse(tlm::TLM_BURST_ERROR_RESPONSE);
    if (offset >= REG_END || !known(static_cast<std::uint32_t>(offset)))
        return refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    const auto off = static_cast<std::uint32_t>(offset);
    std::uint32_t value = 0;
    if (gp.is_read()) {
        value = off == CONTROL ? 0 : get(off);
        std::memcpy(gp.get_data_ptr(), &value, 4);
        ++stats_.reads;
    } else if (gp.is_write()) {
        if (!writable(off)) return refuse(tlm::TLM_COMMAND_ERROR_RESPONSE);
        std::memcpy(&value, gp.get_data_ptr(), 4);
        ++stats_.writes;
        write_register(off, value);
    } else {
        return refuse(tlm::TLM_COMMAND_ERROR_RESPONSE);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ControlRegisters::write_register(std::uint32_t off, std::uint32_t value) {
    if (off == CONTROL) return control(value);
    if (off == IRQ_STATUS) {
        at(IRQ_STATUS) &= ~value;  // write 1 to clear
        irq_changed_.notify(sc_core::SC_ZERO_TIME);
        return;
    }
    at(off) = value;
    if (off == IRQ_ENABLE) irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void ControlRegisters::control(std::uint32_t value) {
    if (value & CONTROL_SOFT_RESET) {
        if (get(STATUS) & STATUS_BUSY) {
            command_->kind = JobCommand::Kind::Abort;
            sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
            csr2sched->b_transport(command_gp_, zero);
        }
        reset_registers();
        last_error_.clear();
        irq_changed_.notify(sc_core::SC_ZERO_TIME);
        return;
    }
    if (value & (CONTROL_START | CONTROL_ENQUEUE)) start((value & CONTROL_START) == 0);
}

void ControlRegisters::set_error(Error e, const std::string& why) {
    at(STATUS) = (get(STATUS) & ~STATUS_ERROR_MASK) | (static_cast<std::uint32_t>(e) << STATUS_ERROR_SHIFT);
    at(IRQ_STATUS) |= IRQ_ERROR;
    last_error_ = why;
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

// The job the registers describe: the attention shorthand (PROGRAM attention, TENSORS 0) or a
// program with its parameters and a table of tensor descriptors. Throws ConfigError naming the
// register that is wrong.
Job ControlRegisters::job_from_registers() const {
    Job j;
    const std::uint32_t program = get(PROGRAM), count = get(TENSORS);
    if (program != PROGRAM_ATTENTION && program != PROGRAM_GEMM)
        throw ConfigError("PROGRAM: " + std::to_string(program) + ": expected 0 (attention) or 1 (gemm)");
    if (count > DESC_COUNT) throw ConfigError("TENSORS: " + std::to_string(count) + ": expected 0 to 8 descriptors");
    if (program == PROGRAM_GEMM && count == 0) throw ConfigError("TENSORS: 0: a gemm job needs tensor descriptors");
    j.elem = get(ELEM_TYPE) == 1 ? ElemType::F16 : ElemType::F32;
    j.functional = (get(MODE) & MODE_TIMING_ONLY) == 0;
    j.shape.name = "registers";
    float scale;
    const std::uint32_t bits = get(SCALE);
    std::memcpy(&scale, &bits, 4);
    j.shape.scale = scale;
    if (count == 0) {
        j.shape.batch = get(BATCH);
        j.shape.heads = get(HEADS);
        j.shape.seq_q = get(SEQ_Q);
        j.shape.seq_kv = get(SEQ_KV);
        j.shape.head_dim = get(HEAD_DIM);
        j.shape.v_dim = get(V_DIM);
        attention_params(j.shape);
        const Tensor attention[] = {Tensor::Q, Tensor::K, Tensor::V, Tensor::O};
        for (std::uint32_t t = 0; t < 4; ++t) {
            TensorDesc d;
            d.tensor = attention[t];
            d.layout = {get64(tensor(t, T_ADDR)), get64(tensor(t, T_BATCH_STRIDE)), get64(tensor(t, T_HEAD_STRIDE)),
                        get64(tensor(t, T_ROW_STRIDE))};
            j.tensors.push_back(d);
        }
        for (const auto& [t, shape] : expected_tensors(j)) j.tensor(t).shape = shape;
        return j;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t code = get(descriptor(i, D_TENSOR));
        if (code >= kTensorCount || code == index_of(Tensor::QK) || code == index_of(Tensor::A) ||
            code == index_of(Tensor::Spill))
            throw ConfigError("D" + std::to_string(i) + "_TENSOR: " + std::to_string(code) +
                              ": expected a tensor code (0 Q, 1 K, 2 V, 3 O, 7 X, 8 W, 9 Z)");
        TensorDesc d;
        d.tensor = static_cast<Tensor>(code);
        for (std::uint32_t k = 0; k < 4; ++k) d.shape[k] = get(descriptor(i, D_DIM + 4 * k));
        d.layout = {get64(descriptor(i, D_ADDR)), get64(descriptor(i, D_BATCH_STRIDE)),
                    get64(descriptor(i, D_HEAD_STRIDE)), get64(descriptor(i, D_ROW_STRIDE))};
        for (const TensorDesc& other : j.tensors)
            if (other.tensor == d.tensor)
                throw ConfigError("D" + std::to_string(i) + "_TENSOR: tensor " + tensor_name(d.tensor) + " described twice");
        j.tensors.push_back(d);
    }
    if (program == PROGRAM_GEMM) {
        j.program = "gemm";
        j.gemm.name = "registers";
        j.gemm.m = get(PARAM0), j.gemm.k = get(PARAM0 + 4), j.gemm.n = get(PARAM0 + 8);
        const std::uint64_t m0 = get(PARAM0 + 12);
        j.gemm.m0 = static_cast<std::uint32_t>(m0 & ~std::uint64_t{GEMM_W_TILES_OUTER});
        j.gemm.order = m0 & GEMM_W_TILES_OUTER ? GemmOrder::WTiles : GemmOrder::ABlocks;
        j.gemm.n0 = get(PARAM0 + 16), j.gemm.block_rows = get(PARAM0 + 20);
        return j;
    }
    // Attention from descriptors: the shape comes from Q [B,H,P,E] and V [B,H,M,F].
    const TensorDesc& q = j.tensor(Tensor::Q);
    const TensorDesc& v = j.tensor(Tensor::V);
    j.shape.batch = q.shape[0], j.shape.heads = q.shape[1], j.shape.seq_q = q.shape[2], j.shape.head_dim = q.shape[3];
    j.shape.seq_kv = v.shape[2], j.shape.v_dim = v.shape[3];
    attention_params(j.shape);
    return j;
}

// Attention's parameters: PARAM0 bit 0 causal, PARAM1 the sliding window in keys (0: none; a
// window implies causal), PARAM2 the key/value heads (0: as many as query heads).
void ControlRegisters::attention_params(Workload& w) const {
    if (get(PARAM0) > 1) throw ConfigError("PARAM0: " + std::to_string(get(PARAM0)) + ": expected 0 or 1 (causal)");
    w.window = get(PARAM0 + 4);
    w.causal = (get(PARAM0) & 1) != 0 || w.window > 0;
    w.kv_heads = get(PARAM0 + 8);
}

void ControlRegisters::start(bool enqueue) {
    const bool busy = (get(STATUS) & STATUS_BUSY) != 0;
    if (busy && (!enqueue || (get(STATUS) & STATUS_QUEUED))) {
        ++stats_.refused_starts;
        return set_error(Error::StartWhileBusy, enqueue ? "ENQUEUE while a job is already queued"
                                                        : "START while a job is running");
    }
    if (get(ELEM_TYPE) > 1) return set_error(Error::BadJob, "ELEM_TYPE: expected 0 (fp32) or 1 (fp16)");
    command_->kind = busy ? JobCommand::Kind::Enqueue : JobCommand::Kind::Start;
    try {
        command_->job = job_from_registers();
    } catch (const ConfigError& e) {
        ++stats_.refused_starts;
        at(STATUS) &= ~STATUS_DONE;
        return set_error(Error::BadJob, e.what());
    }
    command_->message.clear();
    command_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    csr2sched->b_transport(command_gp_, zero);
    if (!command_gp_.is_response_ok()) {
        ++stats_.refused_starts;
        at(STATUS) &= ~STATUS_DONE;
        return set_error(Error::BadJob, command_->message);
    }
    ++stats_.starts;
    if (busy) {
        at(STATUS) |= STATUS_QUEUED;
        return;
    }
    at(STATUS) = STATUS_BUSY;  // clears DONE and the error code of the last job
    last_error_.clear();
}

void ControlRegisters::report(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const JobReport* r = gp.get_extension<JobReport>();
    if (!r) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    ++stats_.jobs_done;
    set64(CYCLES_LO, r->cycles);
    set64(PE2D_BUSY_LO, r->pe2d_busy);
    set64(PE1D_BUSY_LO, r->pe1d_busy);
    set64(TILE_STEPS_LO, r->tile_steps);
    at(STATUS) = STATUS_DONE | (r->next_running ? STATUS_BUSY : 0);
    at(IRQ_STATUS) |= IRQ_DONE;
    if (r->error != Error::None) set_error(r->error, r->message);
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int ControlRegisters::transport_dbg(tlm::tlm_generic_payload& gp) {
    ++stats_.debug_accesses;
    const std::uint64_t offset = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (offset >= REG_END || offset % 4 != 0 || len % 4 != 0) return 0;
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(len, REG_END - offset));
    unsigned char* bytes = reinterpret_cast<unsigned char*>(reg_.data()) + offset;
    if (gp.is_read()) {
        std::memcpy(gp.get_data_ptr(), bytes, n);
    } else if (gp.is_write()) {
        // Pokes, without side effects, of the registers software may write: read-only ones (ID,
        // VERSION, STATUS, the counters) keep what the hardware put there.
        for (unsigned i = 0; i < n; i += 4)
            if (writable(static_cast<std::uint32_t>(offset) + i)) std::memcpy(bytes + i, gp.get_data_ptr() + i, 4);
    } else {
        return 0;
    }
    return n;
}

void ControlRegisters::write_stats(nlohmann::json& out) const { stat_group_.write_json(out); }

}  // namespace fusemax
