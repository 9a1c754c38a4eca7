#include "fusemax/dram/dram_controller.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fusemax/numerics/tensor.h"
#include "fusemax/util/checked_math.h"

namespace fusemax {

DramController::DramController(const sc_core::sc_module_name& name, const ArchConfig& arch)
    : sc_core::sc_module(name),
      sched2dram("sched2dram", this),
      dram2glb("dram2glb"),
      dram2mem("dram2mem"),
      arch_(arch),
      clock_(arch.clock_hz),
      bytes_per_cycle_(arch.dram.bandwidth_bytes_per_s / arch.clock_hz),
      glb_(dram2glb, clock_, std::string(this->name()) + ".dram2glb"),
      calendar_(arch.dram.schedule_intervals, arch.dram.schedule_window_cycles) {
    dram2mem.register_invalidate_direct_mem_ptr(this, &DramController::invalidate_direct_mem_ptr);
}

void DramController::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (dmi_valid_ && start <= dmi_.get_end_address() && end >= dmi_.get_start_address()) dmi_valid_ = false;
    dmi_refused_ = false;
}

// Whether the granted region holds all of [addr, addr + len) with the access right needed; written
// so that nothing wraps whatever the addresses.
bool DramController::dmi_covers(tlm::tlm_command cmd, std::uint64_t addr, std::uint64_t len) const {
    if (!dmi_valid_ || len == 0) return false;
    const std::uint64_t lo = dmi_.get_start_address(), hi = dmi_.get_end_address();
    const bool allowed = cmd == tlm::TLM_WRITE_COMMAND ? dmi_.is_write_allowed() : dmi_.is_read_allowed();
    return allowed && addr >= lo && addr <= hi && len - 1 <= hi - addr;
}

bool DramController::try_dmi(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t len) {
    if (!dmi_covers(cmd, addr, len) && !dmi_refused_) {
        tlm::tlm_generic_payload probe;
        probe.set_command(cmd);
        probe.set_address(addr);
        tlm::tlm_dmi granted;
        const bool ok = dram2mem->get_direct_mem_ptr(probe, granted);
        // A grant must be usable: a pointer and a non-empty region. One that does not hold this
        // access (a partial or read-only region) is kept for the accesses it does hold, and this
        // one goes by transaction. After a refusal the controller asks again only once the target
        // invalidates (which says its regions changed).
        dmi_valid_ = ok && granted.get_dmi_ptr() && granted.get_start_address() <= granted.get_end_address();
        if (dmi_valid_) dmi_ = granted;
        dmi_refused_ = !dmi_valid_;
    }
    if (!dmi_covers(cmd, addr, len)) return false;
    unsigned char* host = dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
    if (cmd == tlm::TLM_WRITE_COMMAND) std::memcpy(host, data, len);
    else std::memcpy(data, host, len);
    const sc_core::sc_time latency = cmd == tlm::TLM_WRITE_COMMAND ? dmi_.get_write_latency() : dmi_.get_read_latency();
    stats_.value().platform_time_ps += static_cast<std::uint64_t>(latency.to_seconds() * 1e12 + 0.5);
    ++stats_.value().dmi_accesses;
    return true;
}

bool DramController::mem_transport(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t len,
                                   Cycle at, tlm::tlm_response_status& status) {
    status = tlm::TLM_OK_RESPONSE;
    if (try_dmi(cmd, addr, data, len)) return true;
    // A transaction's length is 32 bits: longer blocks go in pieces.
    constexpr std::uint64_t kPiece = 1ull << 30;
    for (std::uint64_t done = 0; done < len; done += kPiece) {
        const auto n = static_cast<unsigned>(std::min(kPiece, len - done));
        ++stats_.value().bus_accesses;
        mem_gp_.set_command(cmd);
        mem_gp_.set_address(addr + done);
        mem_gp_.set_data_ptr(data + done);
        mem_gp_.set_data_length(n);
        mem_gp_.set_streaming_width(n);
        mem_gp_.set_byte_enable_ptr(nullptr);
        mem_gp_.set_byte_enable_length(0);
        mem_gp_.set_dmi_allowed(false);
        mem_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        // The access happens at the IP's local time of the transfer; what the target adds to it is
        // recorded, not charged (the channel model is the memory time).
        const sc_core::sc_time before = sc_core::sc_time_stamp();
        const sc_core::sc_time local = clock_.delay_until(at);
        sc_core::sc_time delay = local;
        dram2mem->b_transport(mem_gp_, delay);
        const sc_core::sc_time after = sc_core::sc_time_stamp() + delay;
        if (sc_core::sc_time_stamp() > before) ++stats_.value().platform_waits;
        if (after > before + local)
            stats_.value().platform_time_ps += static_cast<std::uint64_t>((after - before - local).to_seconds() * 1e12 + 0.5);
        status = mem_gp_.get_response_status();
        if (!mem_gp_.is_response_ok()) return false;
    }
    return true;
}

// Rows at x.mem_addr + r * x.row_stride. The job's layout was checked when it started; the
// addresses are checked again here so that no address wraps whatever the caller sent.
bool DramController::mem_rows(tlm::tlm_command cmd, const DmaTransfer& x, std::uint64_t row_bytes, unsigned char* data,
                              tlm::tlm_response_status& status) {
    auto row_address = [&x](std::uint64_t r, std::uint64_t bytes) -> std::optional<std::uint64_t> {
        const auto offset = checked_mul(r, x.row_stride);
        const auto addr = offset ? checked_add(x.mem_addr, *offset) : std::nullopt;
        if (!addr || !checked_add(*addr, bytes)) return std::nullopt;
        return addr;
    };
    const auto total = checked_mul(row_bytes, x.rows);
    const bool contiguous = x.row_stride == row_bytes && total;
    for (std::uint32_t r = 0; r < (contiguous ? 1u : x.rows); ++r) {
        const std::uint64_t bytes = contiguous ? *total : row_bytes;
        const auto addr = row_address(r, bytes);
        if (!addr) {
            status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
            return false;
        }
        if (!mem_transport(cmd, *addr, data + r * row_bytes, bytes, x.start, status)) return false;
    }
    return true;
}

bool DramController::read_rows(const DmaTransfer& x, tlm::tlm_response_status& status) {
    const std::uint64_t eb = elem_bytes(x.elem);
    const std::uint64_t row_bytes = std::uint64_t{x.row_elems} * eb;
    staging_.resize(x.elements() * eb);
    if (!mem_rows(tlm::TLM_READ_COMMAND, x, row_bytes, staging_.data(), status)) return false;
    values_.resize(x.elements());
    if (x.elem == ElemType::F32) {
        std::memcpy(values_.data(), staging_.data(), staging_.size());
    } else {
        for (std::size_t i = 0; i < values_.size(); ++i) {
            std::uint16_t h;
            std::memcpy(&h, staging_.data() + 2 * i, 2);
            values_[i] = half_to_float(h);
        }
    }
    if (x.scale != 1.0f)
        for (float& v : values_) v *= x.scale;
    return true;
}

bool DramController::write_rows(const DmaTransfer& x, const float* src, tlm::tlm_response_status& status) {
    const std::uint64_t eb = elem_bytes(x.elem);
    const std::uint64_t row_bytes = std::uint64_t{x.row_elems} * eb;
    staging_.resize(x.elements() * eb);
    if (x.elem == ElemType::F32) {
        std::memcpy(staging_.data(), src, staging_.size());
    } else {
        for (std::size_t i = 0; i < x.elements(); ++i) {
            const std::uint16_t h = float_to_half(src[i]);
            std::memcpy(staging_.data() + 2 * i, &h, 2);
        }
    }
    return mem_rows(tlm::TLM_WRITE_COMMAND, x, row_bytes, staging_.data(), status);
}

// ceil(bytes / bytes per cycle), the divide and rounding done once per size (they were a fifth of
// the controller's time on a DRAM-heavy job); the table is keyed by a hash of the size.
Cycle DramController::transfer_cycles(std::uint64_t bytes) {
    TransferCycles& t = transfer_cycles_[(bytes * 0x9E3779B97F4A7C15ull) >> 61];
    if (t.bytes != bytes) t = {bytes, static_cast<Cycle>(std::ceil(double(bytes) / bytes_per_cycle_))};
    return t.cycles;
}

Cycle DramController::book(DmaTransfer& x, Cycle cycles, std::uint64_t bytes) {
    const auto [start, end] = calendar_.book(x.arrival, cycles, x.lookback, x.store && posted_writes());
    const Cycle done = end + arch_.dram.latency_cycles;
    last_done_ = std::max(last_done_, done);
    x.start = start;
    x.end = end;
    x.done = done;
    x.floor = floor();
    moved(x, bytes);
    return done;
}

Cycle DramController::book_oldest_write() {
    PostedWrite w = std::move(writes_.front());
    writes_.pop_front();
    book(w.x, w.cycles, w.bytes);
    return w.x.end;  // its data has left the queue
}

void DramController::book_aged_writes() {
    const Cycle age = calendar_.window() / 2;
    while (!writes_.empty() && writes_.front().x.arrival + age < calendar_.front()) book_oldest_write();
}

Cycle DramController::drain() {
    while (!writes_.empty()) book_oldest_write();
    return last_done_;
}

void DramController::fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) {
    stats_.fast_forward(slot, periods, shift);
    const Cycle by = periods * shift;
    last_done_ += by;
    calendar_.shift(by);
    for (PostedWrite& w : writes_) w.x.arrival += by;
}

void DramController::probe(Cycle horizon, std::vector<Cycle>& state) const {
    auto rel = [horizon](Cycle t) { return std::max(t, horizon) - horizon; };
    state.push_back(rel(last_done_));
    calendar_.probe(horizon, state);
    state.push_back(writes_.size());
    for (const PostedWrite& w : writes_) {
        state.push_back(rel(w.x.arrival));
        state.push_back(w.cycles);
    }
}

void DramController::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    DramStats& stats = stats_.value();
    ++stats.transactions;
    DmaTransfer* x = gp.get_extension<DmaTransfer>();
    const bool carries_values = x && x->store && x->functional;
    if (!x || gp.is_read() || (carries_values != gp.is_write()) ||
        (carries_values && gp.get_data_length() != x->elements() * 4)) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const std::uint64_t bytes = x->elements() * arch_.word_bytes;
    const Cycle transfer = transfer_cycles(bytes);
    const std::uint64_t accesses = (bytes + arch_.dram.access_bytes - 1) / arch_.dram.access_bytes;
    const bool posted = x->store && posted_writes();
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
    if (!x->store) {
        const Cycle done = book(*x, transfer, bytes);
        if (x->functional && !read_rows(*x, status)) {
            gp.set_response_status(status);
            return;
        }
        if (x->side == GlbSide::Buffer)
            glb_.write(x->glb_word, x->elements(), x->functional ? values_.data() : nullptr, done, clock_.now());
        stats.read_bytes += bytes;
        stats.read_accesses += accesses;
    } else {
        // The values reach platform memory now (the transfer's time is only the channel's); a
        // posted write leaves the GLB as it enters the write queue.
        x->start = x->arrival;  // the platform access happens as the write is accepted
        if (x->functional && !write_rows(*x, reinterpret_cast<const float*>(gp.get_data_ptr()), status)) {
            gp.set_response_status(status);
            return;
        }
        Cycle accepted = x->arrival;
        if (posted) {
            while (writes_.size() >= arch_.dram.write_queue) accepted = std::max(accepted, book_oldest_write());
            writes_.push_back({*x, transfer, bytes});
            x->start = x->end = x->done = accepted;
            x->floor = floor();
        } else {
            book(*x, transfer, bytes);
            accepted = x->start;
        }
        if (x->side == GlbSide::Buffer) glb_.read(x->glb_word, x->elements(), nullptr, accepted, clock_.now());
        stats.write_bytes += bytes;
        stats.write_accesses += accesses;
    }
    book_aged_writes();
    stats.busy_cycles += transfer;
    stats.bytes_by_tensor[static_cast<std::size_t>(x->tensor)] += bytes;
    StageStats& stage = stats.stages[static_cast<std::size_t>(x->stage)];
    stage.dram_bytes += bytes;
    ++stage.events;
    ++stats.transfers;
    delay = clock_.delay_until(x->done);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void DramController::write_stats(nlohmann::json& out) const {
    stats_.write_json(out);
    out["bandwidth_bytes_per_cycle"] = bytes_per_cycle_;
    out["latency_cycles"] = arch_.dram.latency_cycles;
    out["policy"] = policy_name(arch_.dram.policy);
    out["write_queue"] = arch_.dram.write_queue;
}

}  // namespace fusemax
