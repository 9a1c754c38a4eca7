#pragma once
#include <systemc>

#include <map>
#include <string>

#include "fusemax/clock/clock.h"

namespace fusemax {

// A traceable signal whose changes a loosely-timed module announces ahead of time: set() and add()
// take the cycle at which the change happens, which may be in the simulated future; a process
// applies each change when simulated time gets there, so a waveform shows it at the right time.
// Changes due at the same cycle apply in the order they were announced.
template <typename T>
class TimedSignal : public sc_core::sc_module {
public:
    TimedSignal(const sc_core::sc_module_name& name, const Clock& clock, T initial = T{})
        : sc_core::sc_module(name), signal_("value", initial), clock_(clock), value_(initial) {
        SC_HAS_PROCESS(TimedSignal);
        SC_METHOD(apply);
        sensitive << due_;
        dont_initialize();
    }

    void set(Cycle at, T value) { schedule(at, value, false); }
    void add(Cycle at, T delta) { schedule(at, delta, true); }
    const sc_core::sc_signal<T>& signal() const { return signal_; }
    // Adds the signal to a trace file under `name`.
    void add_to(sc_core::sc_trace_file* tf, const std::string& name) const { sc_core::sc_trace(tf, signal_, name); }

private:
    struct Change {
        T value;
        bool relative;
    };
    sc_core::sc_signal<T> signal_;
    const Clock& clock_;
    T value_;
    std::multimap<Cycle, Change> pending_;
    sc_core::sc_event_queue due_;

    void schedule(Cycle at, T value, bool relative) {
        pending_.emplace(at, Change{value, relative});
        due_.notify(clock_.delay_until(at));
    }
    void apply() {
        const Cycle now = clock_.now();
        while (!pending_.empty() && pending_.begin()->first <= now) {
            const Change& c = pending_.begin()->second;
            value_ = c.relative ? static_cast<T>(value_ + c.value) : c.value;
            pending_.erase(pending_.begin());
        }
        signal_.write(value_);
    }
};

}  // namespace fusemax
