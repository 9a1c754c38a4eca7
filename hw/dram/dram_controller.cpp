#include "dram/dram_controller.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "numerics/tensor.h"
#include "util/checked_math.h"

namespace fusemax {

DramController::DramController(const sc_core::sc_module_name& name, const ArchConfig& arch)
    : sc_core::sc_module(name),
      sched2dram("sched2dram"),
      dram2glb("dram2glb"),
      dram2mem("dram2mem"),
      arch_(arch),
      clock_(arch.clock_hz),
      bytes_per_cycle_(arch.dram.bandwidth_bytes_per_s / arch.clock_hz),
      glb_(dram2glb, clock_, std::string(this->name()) + ".dram2glb") {
    sched2dram.register_b_transport(this, &DramController::b_transport);
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

std::pair<Cycle, Cycle> DramController::book(Cycle arrival, Cycle cycles, bool lookback) {
    Cycle first = 0, last = 0;
    bool any = false;
    if (lookback && arrival < floor_)
        cycles = take_gaps(history_, std::max(arrival, history_floor_), floor_, cycles, first, last, any);
    if (cycles > 0) take_gaps(busy_, std::max(arrival, floor_), ~Cycle{0}, cycles, first, last, any);
    if (!any) first = last = std::max(arrival, floor_);  // nothing to move
    // Busy time that starts at the floor moves the floor; gaps more than kWindow cycles behind the
    // latest booking, or beyond kCalendar intervals, are given up.
    if (!busy_.empty() && busy_.back().second > kWindow) floor_ = std::max(floor_, busy_.back().second - kWindow);
    std::size_t drop = 0;
    while (drop < busy_.size() && (busy_[drop].first <= floor_ || busy_.size() - drop > kCalendar)) {
        floor_ = std::max(floor_, busy_[drop].second);
        give_up(busy_[drop]);
        ++drop;
    }
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(drop));
    if (!busy_.empty() && busy_.front().first < floor_) {
        give_up({busy_.front().first, floor_});
        busy_.front().first = floor_;
    }
    if (!busy_.empty() && busy_.back().second > kHistoryWindow)
        history_floor_ = std::max(history_floor_, busy_.back().second - kHistoryWindow);
    std::size_t old = 0;
    while (old < history_.size() && (history_[old].second <= history_floor_ || history_.size() - old > kHistory))
        history_floor_ = std::max(history_floor_, history_[old++].second);
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(old));
    return {first, last};
}

// Walks the gaps of `calendar` from `at` up to `limit`, taking pieces until `cycles` are booked or
// the limit is reached; the pieces and the calendar are both sorted, so one merge pass rebuilds it.
// Returns the cycles left to book.
Cycle DramController::take_gaps(std::vector<std::pair<Cycle, Cycle>>& calendar, Cycle at, Cycle limit, Cycle cycles,
                                Cycle& first, Cycle& last, bool& any) {
    pieces_.clear();
    std::size_t i = 0;
    while (cycles > 0 && at < limit) {
        while (i < calendar.size() && calendar[i].second <= at) ++i;
        if (i < calendar.size() && calendar[i].first <= at) {
            at = calendar[i].second;
            continue;
        }
        const Cycle gap_end = std::min(i < calendar.size() ? calendar[i].first : ~Cycle{0}, limit);
        const Cycle run = std::min(cycles, gap_end - at);
        if (!any) first = at;
        any = true;
        pieces_.emplace_back(at, at + run);
        last = at + run;
        cycles -= run;
        at += run;
    }
    if (pieces_.empty()) return cycles;
    merged_.clear();
    auto add = [this](const std::pair<Cycle, Cycle>& iv) {
        if (!merged_.empty() && merged_.back().second >= iv.first)
            merged_.back().second = std::max(merged_.back().second, iv.second);
        else
            merged_.push_back(iv);
    };
    std::size_t c = 0, p = 0;
    while (c < calendar.size() || p < pieces_.size()) {
        if (p == pieces_.size() || (c < calendar.size() && calendar[c].first < pieces_[p].first)) add(calendar[c++]);
        else add(pieces_[p++]);
    }
    calendar.swap(merged_);
    return cycles;
}

void DramController::give_up(std::pair<Cycle, Cycle> interval) {
    if (interval.second <= interval.first) return;
    if (!history_.empty() && history_.back().second >= interval.first)
        history_.back().second = std::max(history_.back().second, interval.second);
    else
        history_.push_back(interval);
}

void DramController::fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) {
    stats_.fast_forward(slot, periods, shift);
    const Cycle by = periods * shift;
    floor_ += by;
    last_done_ += by;
    for (auto& iv : busy_) iv.first += by, iv.second += by;
    history_floor_ += by;
    for (auto& iv : history_) iv.first += by, iv.second += by;
}

void DramController::probe(Cycle horizon, std::vector<Cycle>& state) const {
    auto rel = [horizon](Cycle t) { return std::max(t, horizon) - horizon; };
    state.push_back(rel(floor_));
    state.push_back(rel(last_done_));
    for (const auto* calendar : {&busy_, &history_})
        for (const auto& iv : *calendar)
            if (iv.second > horizon) {
                state.push_back(rel(iv.first));
                state.push_back(rel(iv.second));
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
    const Cycle transfer = static_cast<Cycle>(std::ceil(double(bytes) / bytes_per_cycle_));
    const std::uint64_t accesses = (bytes + arch_.dram.access_bytes - 1) / arch_.dram.access_bytes;
    const Cycle arrival = x->arrival;
    const auto [start, end] = book(arrival, transfer, x->lookback);
    const Cycle done = end + arch_.dram.latency_cycles;
    last_done_ = std::max(last_done_, done);

    x->start = start;
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
    if (!x->store) {
        if (x->functional && !read_rows(*x, status)) {
            gp.set_response_status(status);
            return;
        }
        if (x->side == GlbSide::Buffer)
            glb_.write(x->glb_word, x->elements(), x->functional ? values_.data() : nullptr, done);
        stats.read_bytes += bytes;
        stats.read_accesses += accesses;
    } else {
        if (x->functional && !write_rows(*x, reinterpret_cast<const float*>(gp.get_data_ptr()), status)) {
            gp.set_response_status(status);
            return;
        }
        // A store out of the GLB reads its rows there first (the values come with the payload).
        if (x->side == GlbSide::Buffer) glb_.read(x->glb_word, x->elements(), nullptr, start);
        stats.write_bytes += bytes;
        stats.write_accesses += accesses;
    }
    stats.busy_cycles += transfer;
    stats.bytes_by_tensor[static_cast<std::size_t>(x->tensor)] += bytes;
    ++stats.transfers;

    x->start = start;
    x->end = end;
    x->done = done;
    x->floor = floor();
    moved(*x, bytes);
    delay = clock_.delay_until(done);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void DramController::write_stats(nlohmann::json& out) const {
    stats_.write_json(out);
    out["bandwidth_bytes_per_cycle"] = bytes_per_cycle_;
    out["latency_cycles"] = arch_.dram.latency_cycles;
}

}  // namespace fusemax
