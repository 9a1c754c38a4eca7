#pragma once
#include <systemc>

#include <cmath>
#include <cstdint>

namespace fusemax {

using Cycle = std::uint64_t;

// Converts between clock cycles and SystemC time. The period is rounded to the time resolution
// (1 ps by default: 1064 ps at 940 MHz) so every modeled time is a whole number of cycles; seconds
// are reported as cycles / frequency, never from sc_time.
class Clock {
public:
    explicit Clock(double hz)
        : hz_(hz),
          ticks_(static_cast<std::uint64_t>(
              std::llround(1.0 / hz / sc_core::sc_get_time_resolution().to_seconds()))) {}

    double hz() const { return hz_; }
    sc_core::sc_time period() const { return sc_core::sc_time::from_value(ticks_); }
    sc_core::sc_time at(Cycle c) const { return sc_core::sc_time::from_value(ticks_ * c); }
    Cycle cycles(const sc_core::sc_time& t) const { return t.value() / ticks_; }
    Cycle now() const { return cycles(sc_core::sc_time_stamp()); }
    // Delay annotation that makes a transaction arrive at cycle `c` (never negative).
    sc_core::sc_time delay_until(Cycle c) const {
        const Cycle n = now();
        return c > n ? at(c - n) : sc_core::SC_ZERO_TIME;
    }
    double seconds(Cycle c) const { return double(c) / hz_; }

private:
    double hz_;
    std::uint64_t ticks_;
};

}  // namespace fusemax
