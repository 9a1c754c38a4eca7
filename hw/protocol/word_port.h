#pragma once
#include <tlm>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fusemax/clock/clock.h"

namespace fusemax {

// A transaction failed with an error response: names the path, what and where.
class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Word-granular reads and writes through one initiator socket into a word-addressed target
// (the GLB, a PE array's register inbox). Each word travels as one fp32 value; addresses are
// word index x 4 bytes. One reusable payload per port: no allocation per transaction. A transfer
// without values (timing mode) has a null data pointer: the target does its accounting and leaves
// storage alone, so timing mode makes no tensor-sized copies.
class WordPort {
public:
    WordPort(tlm::tlm_initiator_socket<>& socket, const Clock& clock, std::string path)
        : socket_(socket), clock_(clock), path_(std::move(path)) {
        gp_.set_streaming_width(0);
        gp_.set_byte_enable_ptr(nullptr);
        gp_.set_byte_enable_length(0);
    }
    ~WordPort() {
        // The payload frees the extensions it still holds; these belong to their owners.
        for (auto& detach : attached_) detach();
    }

    // Keeps `ext` (owned by the caller) on every transaction of this port.
    template <typename T>
    void attach(T* ext) {
        gp_.set_extension(ext);
        attached_.push_back([this] { gp_.clear_extension<T>(); });
    }
    WordPort(const WordPort&) = delete;
    WordPort& operator=(const WordPort&) = delete;

    // `data` null: timing only. `now` is the kernel's current cycle, which the caller has read
    // (once for all the accesses of an op). Returns the cycle at which the target completed.
    Cycle read(std::uint64_t word, std::uint64_t words, float* data, Cycle when, Cycle now) {
        return transfer(tlm::TLM_READ_COMMAND, word, words, data, when, now);
    }
    Cycle write(std::uint64_t word, std::uint64_t words, const float* data, Cycle when, Cycle now) {
        return transfer(tlm::TLM_WRITE_COMMAND, word, words, const_cast<float*>(data), when, now);
    }

private:
    tlm::tlm_initiator_socket<>& socket_;
    const Clock& clock_;
    std::string path_;
    tlm::tlm_generic_payload gp_;
    std::vector<std::function<void()>> attached_;

    // Out of line: building the message would otherwise cost every transfer its registers.
    [[noreturn, gnu::noinline, gnu::cold]] void failed(tlm::tlm_command cmd, std::uint64_t word, std::uint64_t words) const {
        throw TransportError(path_ + ": " + (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") + " of " +
                             std::to_string(words) + " words at word " + std::to_string(word) + ": " +
                             gp_.get_response_string());
    }

    Cycle transfer(tlm::tlm_command cmd, std::uint64_t word, std::uint64_t words, float* data, Cycle when, Cycle now) {
        gp_.set_command(cmd);
        gp_.set_address(word * 4);
        gp_.set_data_length(static_cast<unsigned>(words * 4));
        gp_.set_streaming_width(static_cast<unsigned>(words * 4));
        gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        gp_.set_data_ptr(reinterpret_cast<unsigned char*>(data));
        const Cycle arrival = std::max(when, now);
        const sc_core::sc_time sent = clock_.delay(arrival, now);
        sc_core::sc_time delay = sent;
        socket_->b_transport(gp_, delay);
        if (!gp_.is_response_ok()) failed(cmd, word, words);
        // A target that adds no delay completes at the arrival (the usual case: no second look at
        // the time); one that does, at now + the delay.
        return delay == sent ? arrival : clock_.cycles(sc_core::sc_time_stamp() + delay);
    }
};

}  // namespace fusemax
