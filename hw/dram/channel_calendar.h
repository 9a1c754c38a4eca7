#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "fusemax/clock/clock.h"

namespace fusemax {

// The DRAM channel's time: busy intervals [start, end), sorted and disjoint. A booking takes the
// earliest free time at or after its arrival, split over gaps if need be, so the channel is never
// idle while a booked transfer was ready. Memory is bounded: the calendar keeps at most `intervals`
// intervals and gives up idle time more than window() cycles behind the latest arrival (counted as
// busy from then on, below floor()). The window follows how far behind the latest arrival the
// arrivals have come (twice the farthest seen, at least kMinWindow, at most `max_window`): it covers
// whatever the initiator's pipeline issues out of order, and stays short where nothing is, so that
// the schedule's state is short and a periodic stretch shows as periodic to fast-forward. What it gave up within kHistoryWindow cycles stays in a history
// that only `lookback` bookings use: a job queued behind another issues its loads once that one has
// issued everything, so they may fill its gaps from further back.
class ChannelCalendar {
public:
    ChannelCalendar(std::size_t intervals, Cycle max_window) : intervals_(intervals), max_window_(max_window) {}

    // Books `cycles` of channel time from `arrival` on; returns [first start, last end). A
    // `deferred` booking (a posted write the controller held back) does not widen the window: the
    // controller books those before the window passes them.
    std::pair<Cycle, Cycle> book(Cycle arrival, Cycle cycles, bool lookback, bool deferred);
    // No booking can start before this cycle.
    Cycle floor() const { return floor_; }
    // The latest arrival booked so far.
    Cycle front() const { return front_; }
    Cycle window() const { return window_; }
    void shift(Cycle by);
    // The schedule after `horizon`, as cycles after it (for the periodicity test of fast-forward).
    void probe(Cycle horizon, std::vector<Cycle>& state) const;

private:
    using Interval = std::pair<Cycle, Cycle>;
    static constexpr std::size_t kHistory = 1024;
    static constexpr Cycle kHistoryWindow = Cycle{1} << 20;
    static constexpr Cycle kMinWindow = 1u << 13;
    std::size_t intervals_;
    Cycle max_window_, window_ = kMinWindow;
    // Intervals leave at the front as the window moves on. They are given up at once but erased in
    // batches (the first dead_ of busy_, history_dead_ of history_ are gone), so that a booking does
    // not move the whole calendar each time one leaves.
    std::vector<Interval> busy_, history_, pieces_, merged_;
    std::size_t dead_ = 0, history_dead_ = 0;
    Cycle floor_ = 0, front_ = 0, history_floor_ = 0;

    static void compact(std::vector<Interval>& calendar, std::size_t& dead);

    // Walks the gaps of `calendar` from `at` up to `limit`, taking pieces until `cycles` are booked
    // or the limit is reached. Returns the cycles left to book.
    // `dead`: intervals at the calendar's front already given up.
    Cycle take_gaps(std::vector<Interval>& calendar, std::size_t dead, Cycle at, Cycle limit, Cycle cycles, Cycle& first,
                    Cycle& last, bool& any);
    void forget();
    void give_up(Interval interval);
};

}  // namespace fusemax
