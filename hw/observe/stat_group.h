#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fusemax/clock/clock.h"

namespace fusemax {

// How a statistic behaves when the schedule is fast-forwarded over `periods` repetitions of what
// happened since a mark, each `shift` cycles long:
//  Count: a counter; it repeats its change since the mark once per period.
//  Time:  a cycle at which something happened; it moves on by periods x shift.
//  Fixed: left alone (set once per job, or kept by hand).
enum class StatKind : std::uint8_t { Count, Time, Fixed };

// A module's statistics are a plain struct of counters (typed, read directly on the hot paths)
// that declares its fields once, in a static `fields(visitor)` naming each field, its member pointer
// and its kind. Marks, fast-forward and the JSON group come from that one declaration:
//
//   struct DramStats {
//       std::uint64_t read_bytes = 0;
//       template <class V> static void fields(V&& v) { v("read_bytes", &DramStats::read_bytes); }
//   };
//
// Fields may be std::uint64_t (with a kind, Count by default), std::array<std::uint64_t, N> or
// std::vector<std::uint64_t> (JSON arrays, or objects keyed by a label function, optionally sparse:
// zero entries left out; unnamed, the keys join the parent), or a nested struct with its own fields() (flattened into the parent when
// named "", else a nested object; an array of such structs is an object keyed by label, sparse:
// all-zero entries left out).
template <class Stats>
class StatGroup {
public:
    static constexpr std::size_t kSlots = 8;  // as TimingControl::kSlots

    Stats& value() { return value_; }
    const Stats& value() const { return value_; }
    void mark(std::uint32_t slot) { marks_[slot] = value_; }
    // Repeats the change since the mark in `slot` `periods` more times (see StatKind).
    void fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) {
        Stats::fields(Advance<Stats>{value_, marks_[slot], periods, shift});
    }
    void write_json(nlohmann::json& out) const { Stats::fields(ToJson<Stats>{value_, out}); }
    // Zero again, for a new job (Fixed fields included).
    void reset() { value_ = Stats{}; }

private:
    Stats value_{};
    std::array<Stats, kSlots> marks_{};

    // Labels for keyed arrays: a function of the index; null for a plain JSON array.
    using Label = std::string (*)(std::size_t);

    template <class S>
    struct Advance {
        S& now;
        const S& mark;
        std::uint64_t periods;
        Cycle shift;

        static void count(std::uint64_t& v, std::uint64_t m, std::uint64_t periods) { v += periods * (v - m); }
        void operator()(const char*, std::uint64_t S::*f, StatKind kind = StatKind::Count) const {
            if (kind == StatKind::Count) count(now.*f, mark.*f, periods);
            else if (kind == StatKind::Time) now.*f += periods * shift;
        }
        template <std::size_t N>
        void operator()(const char*, std::array<std::uint64_t, N> S::*f, Label = nullptr, bool = false) const {
            for (std::size_t i = 0; i < N; ++i) count((now.*f)[i], (mark.*f)[i], periods);
        }
        void operator()(const char*, std::vector<std::uint64_t> S::*f, Label = nullptr, bool = false) const {
            for (std::size_t i = 0; i < (now.*f).size(); ++i) count((now.*f)[i], (mark.*f)[i], periods);
        }
        template <class Sub, class = decltype(&Sub::template fields<int>)>
        void operator()(const char*, Sub S::*f) const {
            Sub::fields(Advance<Sub>{now.*f, mark.*f, periods, shift});
        }
        template <class Sub, std::size_t N>
        void operator()(const char*, std::array<Sub, N> S::*f, Label) const {
            for (std::size_t i = 0; i < N; ++i) Sub::fields(Advance<Sub>{(now.*f)[i], (mark.*f)[i], periods, shift});
        }
    };

    template <class S>
    struct ToJson {
        const S& now;
        nlohmann::json& out;

        void operator()(const char* name, std::uint64_t S::*f, StatKind = StatKind::Count) const { out[name] = now.*f; }
        template <class Array>
        void array(const char* name, const Array& a, Label label, bool sparse) const {
            if (!label) {
                out[name] = a;
                return;
            }
            nlohmann::json keyed = nlohmann::json::object();
            nlohmann::json& into = *name == '\0' ? out : keyed;  // unnamed: the keys join the parent
            for (std::size_t i = 0; i < a.size(); ++i)
                if (!sparse || a[i]) into[label(i)] = a[i];
            if (*name != '\0') out[name] = keyed;
        }
        template <std::size_t N>
        void operator()(const char* name, std::array<std::uint64_t, N> S::*f, Label label = nullptr,
                        bool sparse = false) const {
            array(name, now.*f, label, sparse);
        }
        void operator()(const char* name, std::vector<std::uint64_t> S::*f, Label label = nullptr,
                        bool sparse = false) const {
            array(name, now.*f, label, sparse);
        }
        template <class Sub, class = decltype(&Sub::template fields<int>)>
        void operator()(const char* name, Sub S::*f) const {
            if (*name == '\0') {
                Sub::fields(ToJson<Sub>{now.*f, out});
                return;
            }
            nlohmann::json sub = nlohmann::json::object();
            Sub::fields(ToJson<Sub>{now.*f, sub});
            out[name] = sub;
        }
        template <class Sub, std::size_t N>
        void operator()(const char* name, std::array<Sub, N> S::*f, Label label) const {
            nlohmann::json keyed = nlohmann::json::object();
            for (std::size_t i = 0; i < N; ++i) {
                nlohmann::json sub = nlohmann::json::object();
                Sub::fields(ToJson<Sub>{(now.*f)[i], sub});
                bool any = false;
                for (const auto& [k, v] : sub.items()) any = any || v != 0;
                if (any) keyed[label(i)] = sub;
            }
            out[name] = keyed;
        }
    };
};

}  // namespace fusemax
