#pragma once
#include <tlm>

#include <memory>

namespace fusemax {

// A payload that carries its initiator's extension object (a program's tile op, a DMA transfer) in
// place of one of its own, with no copy. Attaching is a library call, so it happens only when the
// object changes: a program reuses one op for all its steps. The payload frees whatever extension it
// holds when it is destroyed, so restore() must put its own back before the carried object goes
// (the scheduler does at the end of every job, also when one throws).
template <class Ext>
class Carried {
public:
    explicit Carried(tlm::tlm_generic_payload& gp) : gp_(gp), own_(new Ext), current_(own_) { gp_.set_extension(own_); }
    Carried(const Carried&) = delete;
    Carried& operator=(const Carried&) = delete;

    void carry(Ext& ext) {
        if (&ext == current_) return;
        gp_.set_extension(&ext);
        current_ = &ext;
    }
    void restore() {
        if (current_ == own_) return;
        gp_.set_extension(own_);
        current_ = own_;
    }

private:
    tlm::tlm_generic_payload& gp_;
    Ext* own_;  // owned by the payload
    Ext* current_;
};

}  // namespace fusemax
