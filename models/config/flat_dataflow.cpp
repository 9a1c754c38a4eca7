#include "fusemax/config/flat_dataflow.h"

#include <cmath>
#include <map>
#include <sstream>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "fusemax/io/files.h"

namespace fusemax {
namespace {

std::vector<std::string> split(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
}

}  // namespace

std::vector<FlatDataflowRow> load_flat_dataflow(const std::string& path) {
    std::istringstream in(read_input_file(path, "FLAT's dataflow table", 16u << 20));
    std::string line;
    if (!std::getline(in, line)) throw ConfigError(path + ": empty file (expected a CSV header)");
    const std::vector<std::string> header = split(line);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
    for (const char* need : {"E", "F", "H", "M", "P", "Q_loc", "V_loc", "QK_stationarity", "P1", "proportion_spilled"})
        if (!col.count(need)) throw ConfigError(path + ":1: missing column '" + std::string(need) + "'");

    std::vector<FlatDataflowRow> rows;
    int number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line == "\r") continue;
        const std::vector<std::string> cells = split(line);
        const std::string where = path + ":" + std::to_string(number) + ": ";
        if (cells.size() < header.size()) throw ConfigError(where + "expected " + std::to_string(header.size()) + " columns");
        auto integer = [&](const char* name) {
            std::int64_t v = 0;
            if (!parse_int(cells[col[name]], v) || v <= 0)
                throw ConfigError(where + "column '" + name + "': expected a positive integer, got '" + cells[col[name]] + "'");
            return static_cast<std::uint64_t>(v);
        };
        FlatDataflowRow r;
        r.heads = integer("H");
        r.e = integer("E");
        r.f = integer("F");
        r.p = integer("P");
        r.m = integer("M");
        for (const char* name : {"models", "seq_len"})
            if (col.count(name)) r.label += (r.label.empty() ? "" : " ") + cells[col[name]];
        if (r.label.empty()) r.label = "line " + std::to_string(number);
        r.dataflow.p1 = integer("P1");
        double spill = 0;
        if (!parse_number(cells[col["proportion_spilled"]], spill) || spill < 0 || spill > 1)
            throw ConfigError(where + "column 'proportion_spilled': expected a fraction in [0, 1]");
        r.dataflow.spill = spill;
        const std::string stationarity = cells[col["QK_stationarity"]];
        if (stationarity != "output" && stationarity != "weight")
            throw ConfigError(where + "column 'QK_stationarity': expected output or weight, got '" + stationarity + "'");
        r.dataflow.weight_stationary = stationarity == "weight";
        r.dataflow.q_on_chip = cells[col["Q_loc"]] == "onchip";
        r.dataflow.v_on_chip = cells[col["V_loc"]] == "onchip";
        rows.push_back(r);
    }
    return rows;
}

FlatDataflowMatch flat_dataflow_for(const std::vector<FlatDataflowRow>& rows, const std::string& table, bool nearest,
                                    std::uint64_t heads, std::uint64_t e, std::uint64_t f, std::uint64_t p,
                                    std::uint64_t m, const std::function<bool(const FlatDataflow&)>& fits) {
    for (const FlatDataflowRow& r : rows)
        if (r.heads == heads && r.e == e && r.f == f && r.p == p && r.m == m) return {r.dataflow, r.label, true};
    if (!nearest || rows.empty())
        throw ConfigError(table + ": no FLAT dataflow for H=" + std::to_string(heads) + " E=" + std::to_string(e) +
                          " F=" + std::to_string(f) + " P=" + std::to_string(p) + " M=" + std::to_string(m) +
                          " (FLAT runs the table's points: the four models at 512 to 1M tokens; flat.outside_table: "
                          "nearest takes the closest row)");
    auto distance = [](std::uint64_t a, std::uint64_t b) { return std::fabs(std::log2(double(a)) - std::log2(double(b))); };
    const FlatDataflowRow* best = nullptr;
    std::pair<double, double> best_key{0, 0};
    for (const FlatDataflowRow& r : rows) {
        if (!fits(r.dataflow)) continue;
        const std::pair<double, double> key{distance(r.e, e) + distance(r.f, f), distance(r.m, m)};
        if (!best || key < best_key || (key == best_key && r.m > best->m)) best = &r, best_key = key;
    }
    if (!best)
        throw ConfigError(table + ": no FLAT dataflow for H=" + std::to_string(heads) + " E=" + std::to_string(e) +
                          " F=" + std::to_string(f) + " P=" + std::to_string(p) + " M=" + std::to_string(m) +
                          " keeps what it needs on chip in this GLB");
    return {best->dataflow, best->label, false};
}

}  // namespace fusemax
