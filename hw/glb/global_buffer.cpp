#include "fusemax/glb/global_buffer.h"

#include <algorithm>
#include <cstring>

#include "fusemax/protocol/word_port.h"

namespace fusemax {

GlobalBuffer::GlobalBuffer(const sc_core::sc_module_name& name, const GlbConfig& config, std::uint32_t word_bytes)
    : sc_core::sc_module(name),
      pe2d2glb("pe2d2glb", this),
      pe1d2glb("pe1d2glb", this),
      dram2glb("dram2glb", this),
      config_(config),
      capacity_words_(config.capacity_bytes / word_bytes) {
    stats_.value().bank_row_edges.assign(std::uint64_t{config_.banks} + 1, 0);
    auto pow2 = [](std::uint64_t v) { return v && (v & (v - 1)) == 0; };
    row_pow2_ = pow2(config_.row_words);
    bank_pow2_ = pow2(config_.banks);
    while (row_pow2_ && (std::uint64_t{1} << row_shift_) < config_.row_words) ++row_shift_;
    while (bank_pow2_ && (std::uint64_t{1} << bank_shift_) < config_.banks) ++bank_shift_;
    bank_mask_ = bank_pow2_ ? config_.banks - 1 : 0;
    for (std::uint32_t slot = 0; slot < kSlots; ++slot) stats_.mark(slot);
}

inline tlm::tlm_response_status GlobalBuffer::check(const tlm::tlm_generic_payload& gp) const {
    const std::uint64_t addr = gp.get_address();
    const std::uint64_t len = gp.get_data_length();
    if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (addr % 4 || len % 4) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (addr / 4 + len / 4 > capacity_words_) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (gp.get_byte_enable_ptr()) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (gp.get_streaming_width() != 0 && gp.get_streaming_width() < len) return tlm::TLM_BURST_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

inline void GlobalBuffer::count_rows(std::uint64_t first_word, std::uint64_t words, bool write) {
    if (words == 0) return;
    const std::uint64_t last_word = first_word + words - 1;
    const std::uint64_t first_row = row_pow2_ ? first_word >> row_shift_ : first_word / config_.row_words;
    const std::uint64_t last_row = row_pow2_ ? last_word >> row_shift_ : last_word / config_.row_words;
    const std::uint64_t rows = last_row - first_row + 1;
    GlobalBufferStats& stats = stats_.value();
    (write ? stats.row_writes : stats.row_reads) += rows;
    (write ? stats.words_written : stats.words_read) += words;
    const std::uint64_t banks = config_.banks;
    const std::uint64_t rounds = bank_pow2_ ? rows >> bank_shift_ : rows / banks;  // every bank this often
    stats.every_bank_rows += rounds;
    const std::uint64_t left = rows - rounds * banks;  // a run of consecutive banks from first_row's
    if (left == 0) return;
    const std::uint64_t first_bank = bank_pow2_ ? first_row & bank_mask_ : first_row % banks;
    const std::uint64_t end_bank = first_bank + left;
    std::uint64_t* edges = stats.bank_row_edges.data();
    ++edges[first_bank];
    --edges[std::min(end_bank, banks)];
    if (end_bank > banks) {  // wraps past the last bank
        ++edges[0];
        --edges[end_bank - banks];
    }
}

void GlobalBuffer::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    ++stats_.value().transactions;
    const tlm::tlm_response_status status = check(gp);
    if (status != tlm::TLM_OK_RESPONSE) {
        gp.set_response_status(status);
        return;
    }
    const std::uint64_t word = gp.get_address() / 4;
    const std::uint64_t words = gp.get_data_length() / 4;
    const bool write = gp.is_write();
    count_rows(word, words, write);
    if (unsigned char* data = gp.get_data_ptr()) move_values(data, word, words, write);  // null: timing only (see WordPort)
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void GlobalBuffer::move_values(unsigned char* data, std::uint64_t word, std::uint64_t words, bool write) {
    if (storage_.empty()) storage_.assign(capacity_words_, 0.0f);
    float* at = storage_.data() + word;
    if (write) std::memcpy(at, data, words * 4);
    else std::memcpy(data, at, words * 4);
}

unsigned int GlobalBuffer::transport_dbg(tlm::tlm_generic_payload& gp) {
    if (check(gp) != tlm::TLM_OK_RESPONSE || !gp.get_data_ptr()) return 0;
    move_values(gp.get_data_ptr(), gp.get_address() / 4, gp.get_data_length() / 4, gp.is_write());
    return gp.get_data_length();
}

std::vector<std::uint64_t> GlobalBuffer::bank_rows() const {
    const GlobalBufferStats& s = stats_.value();
    std::vector<std::uint64_t> rows(config_.banks);
    std::uint64_t run = 0;
    for (std::size_t b = 0; b < rows.size(); ++b) {
        run += s.bank_row_edges[b];
        rows[b] = run + s.every_bank_rows;
    }
    return rows;
}

void GlobalBuffer::write_stats(nlohmann::json& out) const {
    stats_.write_json(out);
    out["bank_rows"] = bank_rows();
    out.erase("every_bank_rows");
    out.erase("bank_row_edges");
    out["capacity_words"] = capacity_words_;
    out["row_words"] = config_.row_words;
    out["banks"] = config_.banks;
}

}  // namespace fusemax
