#include "fusemax/report/trace_json.h"

#include <sstream>

#include "fusemax/observe/trace_options.h"

namespace fusemax {
namespace {

void collect(const sc_core::sc_object& obj, std::vector<std::pair<std::string, const ActivitySource*>>& out) {
    if (const auto* src = dynamic_cast<const ActivitySource*>(&obj)) out.emplace_back(obj.name(), src);
    for (const sc_core::sc_object* child : obj.get_child_objects()) collect(*child, out);
}

std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace

void write_trace_json(const FuseMax& top, OutputFile& file) {
    std::ostringstream out;
    std::vector<std::pair<std::string, const ActivitySource*>> tracks;
    collect(top, tracks);
    const double us_per_cycle = 1e6 / top.arch().clock_hz;
    char num[64];
    auto us = [&](Cycle c) {
        std::snprintf(num, sizeof num, "%.6f", double(c) * us_per_cycle);
        return std::string(num);
    };
    out << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock_hz\":" << top.arch().clock_hz
        << ",\"design\":\"" << escaped(top.arch().design) << "\"},\"traceEvents\":[\n";
    out << "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"" << escaped(top.name()) << "\"}}";
    for (std::size_t t = 0; t < tracks.size(); ++t) {
        const int tid = static_cast<int>(t) + 1;
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << tid << ",\"name\":\"thread_name\",\"args\":{\"name\":\""
            << escaped(tracks[t].first) << "\"}}";
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << tid << ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":"
            << tid << "}}";
        for (const Slice& s : tracks[t].second->activity())
            out << ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":" << tid << ",\"name\":\"" << escaped(s.name) << "\",\"ts\":"
                << us(s.start) << ",\"dur\":" << us(s.end - s.start) << ",\"args\":{\"start_cycle\":" << s.start
                << ",\"cycles\":" << (s.end - s.start) << "}}";
    }
    out << "\n]}\n";
    file.write(out.str());
    file.close();
}

}  // namespace fusemax
