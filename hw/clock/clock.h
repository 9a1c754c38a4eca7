#pragma once
#include <systemc>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace fusemax {

using Cycle = std::uint64_t;
__extension__ using Uint128 = unsigned __int128;  // GCC and Clang: a full 64 x 64-bit product

// A time of `v` resolution units, built in place: sc_time is standard-layout with its value as its
// only member, so the two are pointer-interconvertible. sc_time::from_value is a call into the
// library (3 ns) and sc_time's double multiply a 25-cycle dependency chain, both on every
// transaction's path.
inline sc_core::sc_time time_of_value(sc_core::sc_time::value_type v) {
    static_assert(std::is_standard_layout_v<sc_core::sc_time> &&
                  sizeof(sc_core::sc_time) == sizeof(sc_core::sc_time::value_type));
    sc_core::sc_time t;
    *reinterpret_cast<sc_core::sc_time::value_type*>(&t) = v;
    return t;
}

// A job ran into the end of simulated time: SystemC counts time in 64 bits of the time resolution
// (1 ps), and a slow clock with a long job needs more.
class TimeLimitError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Converts between clock cycles and SystemC time. The period is rounded to the time resolution
// (1 ps by default: 1064 ps at 940 MHz) so every modeled time is a whole number of cycles; seconds
// are reported as cycles / frequency, never from sc_time. Times up to 2^63 resolution units are
// representable (half of SystemC's range, so sums of times cannot wrap); converting a later cycle
// throws TimeLimitError.
class Clock {
public:
    explicit Clock(double hz) : hz_(hz) {
        const double ticks = 1.0 / hz / sc_core::sc_get_time_resolution().to_seconds();
        if (!(ticks >= 1) || !(ticks < 9.2e18))
            throw std::invalid_argument("a clock of " + std::to_string(hz) +
                                        " Hz has a period outside SystemC's time resolution");
        ticks_ = static_cast<std::uint64_t>(std::llround(ticks));
        max_cycle_ = (std::uint64_t{1} << 63) / ticks_;
        inverse_ = ticks_ == 1 ? 0 : ~std::uint64_t{0} / ticks_;
        period_ = sc_core::sc_time::from_value(ticks_);  // also fixes the resolution, as the library requires
        if (time_of_value(ticks_) != period_) throw std::logic_error("sc_time's layout is not its value");
    }

    double hz() const { return hz_; }
    // The last cycle simulated time can reach.
    Cycle max_cycle() const { return max_cycle_; }
    sc_core::sc_time period() const { return period_; }
    sc_core::sc_time at(Cycle c) const {
        if (c > max_cycle_) overflow(c);
        return time_of_value(ticks_ * c);
    }
    // floor(time / period) without a divide (on every transaction's path): the high half of
    // value x floor((2^64 - 1) / ticks) is the quotient or one less; one step corrects it.
    Cycle cycles(const sc_core::sc_time& t) const {
        const std::uint64_t v = t.value();
        if (ticks_ == 1) return v;
        std::uint64_t q = static_cast<std::uint64_t>((Uint128{v} * inverse_) >> 64);
        if (v - q * ticks_ >= ticks_) ++q;
        return q;
    }
    // The kernel's current time, read where it lives: sc_time_stamp() returns a reference to the
    // simulation context's time, which lasts as long as the (one per process) simulation.
    // Time moves only when a process waits, so the cycle of the last value seen is usually the
    // answer (time 0 is cycle 0).
    Cycle now() const {
        if (!stamp_) stamp_ = &sc_core::sc_time_stamp();
        const std::uint64_t v = stamp_->value();
        if (v != seen_value_) {
            seen_value_ = v;
            seen_cycle_ = cycles(*stamp_);
        }
        return seen_cycle_;
    }
    // Delay annotation that makes a transaction arrive at cycle `c` when the current cycle is `now`
    // (never negative: a cycle already past arrives now).
    sc_core::sc_time delay(Cycle c, Cycle now) const { return c > now ? at(c - now) : sc_core::SC_ZERO_TIME; }
    sc_core::sc_time delay_until(Cycle c) const { return delay(c, now()); }
    double seconds(Cycle c) const { return double(c) / hz_; }

private:
    double hz_;
    std::uint64_t ticks_ = 1;
    std::uint64_t inverse_ = 0;  // floor((2^64 - 1) / ticks_)
    sc_core::sc_time period_;
    mutable const sc_core::sc_time* stamp_ = nullptr;
    mutable std::uint64_t seen_value_ = 0;
    mutable Cycle seen_cycle_ = 0;
    Cycle max_cycle_ = 0;

    [[noreturn]] void overflow(Cycle c) const {
        throw TimeLimitError("simulated time overflows at cycle " + std::to_string(c) + ": at " +
                             std::to_string(hz_ / 1e6) + " MHz SystemC's 64-bit time ends after cycle " +
                             std::to_string(max_cycle_) + " (raise clock_mhz or shrink the job)");
    }
};

}  // namespace fusemax
