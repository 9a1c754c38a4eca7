#include "fusemax/dram/channel_calendar.h"

#include <algorithm>

namespace fusemax {

std::pair<Cycle, Cycle> ChannelCalendar::book(Cycle arrival, Cycle cycles, bool lookback, bool deferred) {
    Cycle first = 0, last = 0;
    bool any = false;
    if (arrival < front_ && !deferred) window_ = std::max(window_, std::min(max_window_, 2 * (front_ - arrival)));
    if (lookback && arrival < floor_)
        cycles = take_gaps(history_, history_dead_, std::max(arrival, history_floor_), floor_, cycles, first, last, any);
    if (cycles > 0) take_gaps(busy_, dead_, std::max(arrival, floor_), ~Cycle{0}, cycles, first, last, any);
    if (!any) first = last = std::max(arrival, floor_);  // nothing to move
    front_ = std::max(front_, arrival);
    forget();
    return {first, last};
}

// Gaps behind the window or beyond the calendar's capacity are given up, oldest first; busy time
// that starts at the floor moves the floor.
void ChannelCalendar::forget() {
    if (front_ > window_) floor_ = std::max(floor_, front_ - window_);
    while (dead_ < busy_.size() && (busy_[dead_].first <= floor_ || busy_.size() - dead_ > intervals_)) {
        floor_ = std::max(floor_, busy_[dead_].second);
        give_up(busy_[dead_]);
        ++dead_;
    }
    if (dead_ < busy_.size() && busy_[dead_].first < floor_) {
        give_up({busy_[dead_].first, floor_});
        busy_[dead_].first = floor_;
    }
    if (!busy_.empty() && busy_.back().second > kHistoryWindow)
        history_floor_ = std::max(history_floor_, busy_.back().second - kHistoryWindow);
    while (history_dead_ < history_.size() &&
           (history_[history_dead_].second <= history_floor_ || history_.size() - history_dead_ > kHistory))
        history_floor_ = std::max(history_floor_, history_[history_dead_++].second);
    compact(busy_, dead_);
    compact(history_, history_dead_);
}

void ChannelCalendar::compact(std::vector<Interval>& calendar, std::size_t& dead) {
    if (dead < 64 || dead * 4 < calendar.size()) return;
    calendar.erase(calendar.begin(), calendar.begin() + static_cast<std::ptrdiff_t>(dead));
    dead = 0;
}

// The pieces are sorted and fall in the gaps between calendar[lo] and calendar[hi]; only that
// stretch of the calendar is rebuilt.
Cycle ChannelCalendar::take_gaps(std::vector<Interval>& calendar, std::size_t dead, Cycle at, Cycle limit,
                                 Cycle cycles, Cycle& first, Cycle& last, bool& any) {
    // The usual case on a busy channel: the booking starts after all booked time and fits before
    // the limit; it extends the last interval or follows it.
    if ((calendar.size() == dead || at >= calendar.back().second) && cycles > 0 && cycles <= limit - std::min(at, limit)) {
        if (!any) first = at;
        any = true;
        last = at + cycles;
        if (calendar.size() > dead && calendar.back().second == at) calendar.back().second = last;
        else calendar.emplace_back(at, last);
        return 0;
    }
    pieces_.clear();
    auto it = std::upper_bound(calendar.begin() + static_cast<std::ptrdiff_t>(dead), calendar.end(), at,
                               [](Cycle t, const Interval& iv) { return t < iv.second; });
    const std::size_t lo = static_cast<std::size_t>(it - calendar.begin());
    std::size_t i = lo;
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
    // Intervals from the one before the first piece (it may touch it) to the one after the last.
    const std::size_t from = lo > dead ? lo - 1 : dead, to = std::min(calendar.size(), i + 1);
    merged_.clear();
    auto add = [this](const Interval& iv) {
        if (!merged_.empty() && merged_.back().second >= iv.first)
            merged_.back().second = std::max(merged_.back().second, iv.second);
        else
            merged_.push_back(iv);
    };
    std::size_t c = from, p = 0;
    while (c < to || p < pieces_.size()) {
        if (p == pieces_.size() || (c < to && calendar[c].first < pieces_[p].first)) add(calendar[c++]);
        else add(pieces_[p++]);
    }
    const auto first_it = calendar.begin() + static_cast<std::ptrdiff_t>(from);
    const auto span = static_cast<std::ptrdiff_t>(to - from), grow = static_cast<std::ptrdiff_t>(merged_.size()) - span;
    if (grow > 0) calendar.insert(first_it + span, static_cast<std::size_t>(grow), Interval{});
    else if (grow < 0) calendar.erase(first_it + span + grow, first_it + span);
    std::copy(merged_.begin(), merged_.end(), calendar.begin() + static_cast<std::ptrdiff_t>(from));
    return cycles;
}

void ChannelCalendar::give_up(Interval interval) {
    if (interval.second <= interval.first) return;
    if (history_.size() > history_dead_ && history_.back().second >= interval.first)
        history_.back().second = std::max(history_.back().second, interval.second);
    else
        history_.push_back(interval);
}

void ChannelCalendar::shift(Cycle by) {
    floor_ += by;
    front_ += by;
    history_floor_ += by;
    for (auto* calendar : {&busy_, &history_})
        for (auto& iv : *calendar) iv.first += by, iv.second += by;
}

void ChannelCalendar::probe(Cycle horizon, std::vector<Cycle>& state) const {
    auto rel = [horizon](Cycle t) { return std::max(t, horizon) - horizon; };
    state.push_back(rel(floor_));
    state.push_back(rel(front_));
    state.push_back(window_);
    for (const auto& [calendar, dead] : {std::pair{&busy_, dead_}, std::pair{&history_, history_dead_}})
        for (std::size_t k = dead; k < calendar->size(); ++k)
            if ((*calendar)[k].second > horizon) {
                state.push_back(rel((*calendar)[k].first));
                state.push_back(rel((*calendar)[k].second));
            }
}

}  // namespace fusemax
