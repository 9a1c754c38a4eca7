#include "fusemax/explore/search_space.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "fusemax/config/config_error.h"
#include "fusemax/config/gemm_shape.h"
#include "fusemax/config/workload.h"
#include "fusemax/config/yaml_map.h"

namespace fusemax {
namespace {

// A dimension's values: a list, or one scalar.
std::vector<YAML::Node> values(const YamlMap& m, std::string_view key) {
    const YAML::Node n = m.node()[std::string(key)];
    if (n.IsScalar()) return {n};
    if (!n.IsSequence() || n.size() == 0) m.fail(key, "expected a value or a non-empty list of values");
    std::vector<YAML::Node> out;
    for (const auto& item : n) {
        if (!item.IsScalar()) m.fail(key, "expected a list of values, got a nested " + std::string(item.IsMap() ? "map" : "list"));
        out.push_back(item);
    }
    return out;
}

template <class T>
void read_ints(const YamlMap& m, std::string_view key, const char* word, std::uint64_t hi, std::vector<T>& out,
               bool sizes = false) {
    if (!m.has(key)) return;
    out.clear();
    for (const YAML::Node& n : values(m, key)) {
        const std::string text = n.Scalar();
        std::uint64_t v = 0;
        if (text == word) v = 0;
        else if (!(sizes ? parse_size(text, v) : parse_unsigned(text, v)) || v == 0 || v > hi)
            m.fail(key, "expected '" + std::string(word) + "' or an integer from 1 to " + std::to_string(hi) + ", got '" +
                            text + "'");
        out.push_back(static_cast<T>(v));
    }
}

std::string number_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

void read_numbers(const YamlMap& m, std::string_view key, double lo, double hi, std::vector<double>& out) {
    if (!m.has(key)) return;
    out.clear();
    for (const YAML::Node& n : values(m, key)) {
        const std::string text = n.Scalar();
        double v = 0;
        if (text != "same" && (!parse_number(text, v) || v < lo || v > hi))
            m.fail(key, "expected 'same' or a number from " + number_text(lo) + " to " + number_text(hi) + ", got '" +
                            text + "'");
        out.push_back(v);
    }
}

void read_bools(const YamlMap& m, std::string_view key, std::vector<bool>& out) {
    if (!m.has(key)) return;
    out.clear();
    for (const YAML::Node& n : values(m, key)) {
        const std::string text = n.Scalar();
        if (text != "true" && text != "false") m.fail(key, "expected true or false, got '" + text + "'");
        out.push_back(text == "true");
    }
}

// Powers of two from `from` up to `to`.
std::vector<std::uint32_t> halvings(std::uint32_t to, std::uint32_t from) {
    std::vector<std::uint32_t> out{0};
    for (std::uint32_t v = to / 2; v >= from && v > 0; v /= 2) out.push_back(v);
    return out;
}

// Schedules by binding name: a file's, loaded once, or one made by mixed_bindings.
std::map<std::string, ScheduleConfig>& schedules() {
    static std::map<std::string, ScheduleConfig> known;
    return known;
}

const ScheduleConfig& binding_schedule(const std::string& path) {
    std::map<std::string, ScheduleConfig>& loaded = schedules();
    auto it = loaded.find(path);
    if (it == loaded.end()) it = loaded.emplace(path, load_arch_config(path).schedule).first;
    return it->second;
}

std::string list_text(const std::vector<Op>& ops) {
    std::string s = "[";
    for (std::size_t i = 0; i < ops.size(); ++i) s += (i ? ", " : "") + std::string(op_name(ops[i]));
    return s + "]";
}

}  // namespace

namespace {

// The space's dimensions in enumeration order, hardware outermost: how many values each has and
// how to set the i-th on a point. size() and enumerate() both walk this one list.
struct Dimension {
    std::size_t count;
    std::function<void(DesignPoint&, std::size_t)> set;
};

template <class T, class Member>
Dimension dimension(const std::vector<T>& values, Member DesignPoint::*field) {
    return {values.size(), [&values, field](DesignPoint& p, std::size_t i) { p.*field = values[i]; }};
}

std::vector<Dimension> dimensions(const SearchSpace& s) {
    using P = DesignPoint;
    return {dimension(s.clock_mhz, &P::clock_mhz),         dimension(s.pe_dim, &P::pe_dim),
            dimension(s.glb_bytes, &P::glb_bytes),         dimension(s.dram_gib_per_s, &P::dram_gib_per_s),
            dimension(s.binding, &P::binding),             dimension(s.interleave, &P::interleave),
            dimension(s.stack_groups, &P::stack_groups),   dimension(s.m0, &P::m0),
            dimension(s.p0, &P::p0),                       dimension(s.p1, &P::p1),
            dimension(s.double_buffer, &P::double_buffer), dimension(s.gemm_m0, &P::gemm_m0),
            dimension(s.gemm_n0, &P::gemm_n0),             dimension(s.gemm_block_rows, &P::gemm_block_rows),
            dimension(s.gemm_order, &P::gemm_order)};
}

}  // namespace

std::uint64_t SearchSpace::size() const {
    std::uint64_t n = 1;
    for (const Dimension& d : dimensions(*this)) n *= d.count;
    return n;
}

SearchSpace load_search_space(const std::string& path) {
    YAML::Node doc;
    try {
        doc = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw ConfigError(path + ": cannot read the search space");
    } catch (const YAML::Exception& e) {
        throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!doc.IsMap()) throw ConfigError(path + ": expected a search space (mapping: and hardware: sections)");
    const YamlMap top(doc, path, "");
    top.only_keys({"mapping", "hardware"});
    SearchSpace s;
    s.source = path;
    if (top.has("mapping")) {
        const YamlMap m = top.map("mapping");
        m.only_keys({"m0", "p0", "p1", "double_buffer", "interleave", "stack_groups", "binding", "gemm_m0", "gemm_n0",
                     "gemm_block_rows", "gemm_order"});
        if (m.has("gemm_order")) {
            s.gemm_order.clear();
            for (const YAML::Node& n : values(m, "gemm_order")) {
                const std::string text = n.Scalar();
                if (text != "a_blocks" && text != "w_tiles")
                    m.fail("gemm_order", "expected a_blocks or w_tiles, got '" + text + "'");
                s.gemm_order.push_back(text == "w_tiles" ? GemmOrder::WTiles : GemmOrder::ABlocks);
            }
        }
        read_ints(m, "m0", "full", 65536, s.m0);
        read_ints(m, "p0", "full", 65536, s.p0);
        read_ints(m, "p1", "auto", kMaxSeqLen, s.p1);
        read_bools(m, "double_buffer", s.double_buffer);
        read_bools(m, "interleave", s.interleave);
        read_bools(m, "stack_groups", s.stack_groups);
        read_ints(m, "gemm_m0", "full", kMaxGemmDim, s.gemm_m0);
        read_ints(m, "gemm_n0", "full", kMaxGemmDim, s.gemm_n0);
        read_ints(m, "gemm_block_rows", "auto", kMaxGemmDim, s.gemm_block_rows);
        if (m.has("binding")) {
            s.binding.clear();
            const std::filesystem::path dir = std::filesystem::path(path).parent_path();
            for (const YAML::Node& n : values(m, "binding")) {
                const std::string text = n.Scalar();
                if (text == "own" || text == "auto") {
                    s.binding.push_back(text == "own" ? "" : kAutoBinding);
                    continue;
                }
                const std::string file = std::filesystem::absolute(dir / text).lexically_normal().string();
                try {
                    binding_schedule(file);
                } catch (const ConfigError& e) {
                    m.fail("binding", "'" + text + "': " + e.what());
                }
                s.binding.push_back(file);
            }
        }
    }
    if (top.has("hardware")) {
        const YamlMap h = top.map("hardware");
        h.only_keys({"pe_dim", "glb_bytes", "dram_gib_per_s", "clock_mhz"});
        read_ints(h, "pe_dim", "same", 65536, s.pe_dim);
        read_ints(h, "glb_bytes", "same", kMaxGlbWords * 8, s.glb_bytes, true);
        read_numbers(h, "dram_gib_per_s", 1e-3, 1e9, s.dram_gib_per_s);
        read_numbers(h, "clock_mhz", kMinClockMhz, kMaxClockMhz, s.clock_mhz);
    }
    return s;
}

SearchSpace default_search_space(const ArchConfig& arch, const std::string& kind, bool grouped) {
    SearchSpace s;
    if (grouped && kind != "gemm") s.stack_groups = {true, false};
    const bool attention = kind != "gemm";
    const bool gemms = kind == "gemm" || kind == "layer";
    if (attention && arch.schedule.program == "one_pass") {
        // Full tiles and halves (a quarter of the array at the smallest), P1 from the GLB rule and
        // every power of two up to 64, the second K/V and Q buffers on and off, interleaving on and off.
        s.m0 = halvings(arch.pe2d.rows, arch.pe2d.rows / 2);
        s.p0 = halvings(arch.pe2d.cols, arch.pe2d.cols / 2);
        s.p1 = {0, 1, 2, 4, 8, 16, 32, 64};
        s.double_buffer = {true, false};
        s.interleave = {true, false};
        s.binding = {kAutoBinding};  // LM, SLN, SLD on either array
        // A layer multiplies this by the GEMMs' choices: full tiles, interleaving and the design's
        // binding only (no other wins any of the paper's 24 attention points).
        if (kind == "layer") s.p1 = {0, 4, 16}, s.m0 = {0}, s.p0 = {0}, s.interleave = {true}, s.binding = {""};
    }
    if (gemms) {
        s.gemm_m0 = halvings(arch.pe2d.rows, arch.pe2d.rows / 2);
        s.gemm_n0 = halvings(arch.pe2d.cols, arch.pe2d.cols / 2);
        s.gemm_block_rows = {0, 256, 512};  // as many A rows as fit, or one or two array heights
        s.gemm_order = {GemmOrder::ABlocks, GemmOrder::WTiles};
    }
    return s;
}

std::vector<std::string> mixed_bindings(const ArchConfig& arch) {
    const ScheduleConfig& own = arch.schedule;
    if (own.program != "one_pass") return {""};
    // Each op's placements: where the design puts it, and for a 2D op on the score tile that is
    // not a matrix product (LM, SLN, SLD) the 1D array too: its lanes are one PE row of the 2D
    // array, so the tile's ROWS take ROWS times the 2D cycles, and a score tile reaches the 1D
    // array through the GLB (as +Cascade routes QK).
    const std::vector<Op>& program_ops = own.program_spec().ops;
    std::vector<std::vector<OpBinding>> choices;
    for (const OpBinding& b : own.ops) {
        if (std::find(program_ops.begin(), program_ops.end(), b.op) == program_ops.end()) continue;
        std::vector<OpBinding> options{b};
        const OpSpec& spec = op_spec(b.op);
        const bool product = spec.macs == Size::ScoresE || spec.macs == Size::ScoresF;
        if (b.array == ArrayKind::Pe2d && !product && b.glb_reads.empty()) {
            OpBinding moved = b;
            moved.array = ArrayKind::Pe1d;
            moved.cycles = CostExpr::parse("(" + b.cycles.text() + ") * ROWS");
            for (Op in : op_inputs(b.op))
                if (op_spec(in).macs == Size::ScoresE) moved.glb_reads.push_back(in);  // QK's score tile
            options.push_back(moved);
        }
        choices.push_back(options);
    }
    std::vector<std::string> names;
    std::vector<std::size_t> pick(choices.size(), 0);
    for (;;) {
        ScheduleConfig s = own;
        s.ops.clear();
        s.step_ops.clear();
        std::string name = kAutoBinding;
        for (std::size_t i = 0; i < choices.size(); ++i) {
            OpBinding b = choices[i][pick[i]];
            b.glb_write = false;
            s.ops.push_back(b);
            if (choices[i].size() > 1)
                name += std::string(name.size() > kAutoBinding.size() ? "+" : ":") + std::string(op_name(b.op)) + "=" +
                        std::string(array_name(b.array));
        }
        // A result some op reads from the GLB is written there by its producer.
        for (const OpBinding& b : s.ops)
            for (Op in : b.glb_reads)
                for (OpBinding& producer : s.ops)
                    if (producer.op == in) producer.glb_write = true;
        for (const OpBinding& b : s.ops) {
            if (b.op == Op::AV) s.av = b;
            else s.step_ops.push_back(b);
        }
        for (const OpBinding& b : own.ops)  // the GEMM's bindings, after the program's
            if (std::find(program_ops.begin(), program_ops.end(), b.op) == program_ops.end()) s.ops.push_back(b);
        schedules()[name] = s;
        names.push_back(name);
        std::size_t i = 0;
        while (i < pick.size() && ++pick[i] == choices[i].size()) pick[i++] = 0;
        if (i == pick.size()) break;
    }
    return names;
}

void expand_bindings(SearchSpace& s, const ArchConfig& arch) {
    std::vector<std::string> out;
    for (const std::string& b : s.binding) {
        if (b != kAutoBinding) {
            out.push_back(b);
            continue;
        }
        for (const std::string& m : mixed_bindings(arch))
            if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    }
    s.binding = out;
}

std::vector<DesignPoint> enumerate(const SearchSpace& s) {
    const std::vector<Dimension> dims = dimensions(s);
    std::vector<DesignPoint> out;
    if (s.size() == 0) return out;
    std::vector<std::size_t> at(dims.size(), 0);  // an odometer, the last dimension fastest
    for (;;) {
        DesignPoint p;
        for (std::size_t d = 0; d < dims.size(); ++d) dims[d].set(p, at[d]);
        out.push_back(p);
        std::size_t d = dims.size();
        while (d > 0 && ++at[d - 1] == dims[d - 1].count) at[--d] = 0;
        if (d == 0) return out;
    }
}

ArchConfig apply_point(const ArchConfig& base, const DesignPoint& p) {
    ArchConfig a = base;
    if (p.clock_mhz > 0) a.clock_hz = p.clock_mhz * 1e6;
    HardwareOverrides o;
    if (p.pe_dim) o.pe_dim = p.pe_dim;
    if (p.glb_bytes) o.glb_bytes = p.glb_bytes;
    // Bandwidth is checked against the clock: given again when only the clock changes.
    if (p.dram_gib_per_s > 0 || p.clock_mhz > 0)
        o.dram_gib_per_s = p.dram_gib_per_s > 0 ? p.dram_gib_per_s : base.dram.bandwidth_bytes_per_s / double(1ull << 30);
    apply_overrides(a, o, "fusemax-explore");
    if (!p.binding.empty()) {
        const ScheduleConfig& s = binding_schedule(p.binding);
        if (s.program != a.schedule.program)
            throw ConfigError("fusemax-explore: binding " + p.binding + " runs program " + s.program + ", the architecture " +
                              a.schedule.program);
        a.schedule = s;
    }
    if (a.schedule.program == "one_pass" && p.interleave != a.schedule.interleave) {
        a.schedule.interleave = p.interleave;
        a.schedule.overlap_next.clear();  // interleaved, every op may overlap the next step
    }
    auto within = [](std::uint32_t v, std::uint32_t limit, const char* what) {
        if (v > limit)
            throw ConfigError("fusemax-explore: " + std::string(what) + " " + std::to_string(v) + " exceeds the array's " +
                              std::to_string(limit));
        return v;
    };
    a.tiling.m0 = within(p.m0, a.pe2d.rows, "m0");
    a.tiling.p0 = within(p.p0, a.pe2d.cols, "p0");
    if ((a.tiling.m0 || a.tiling.p0) && a.schedule.program != "one_pass")
        throw ConfigError("fusemax-explore: tiles smaller than the array are a mapping of the one_pass program only");
    a.tiling.p1 = p.p1;
    a.tiling.double_buffer = p.double_buffer;
    a.tiling.stack_groups = p.stack_groups;
    a.tiling.gemm_m0 = within(p.gemm_m0, a.pe2d.rows, "gemm_m0");
    a.tiling.gemm_n0 = within(p.gemm_n0, a.pe2d.cols, "gemm_n0");
    a.tiling.gemm_block_rows = p.gemm_block_rows;
    if (p.gemm_order != GemmOrder::Default) a.tiling.gemm_order = p.gemm_order;
    return a;
}

std::string point_yaml(const std::string& base_path, const ArchConfig& a, const DesignPoint& p, const std::string& header) {
    std::ostringstream y;
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) y << "# " << line << "\n";
    y << "base: " << std::filesystem::absolute(base_path).lexically_normal().string() << "\n";
    y.precision(17);
    if (p.clock_mhz > 0) y << "clock_mhz: " << p.clock_mhz << "\n";
    if (p.pe_dim) {
        y << "pe2d: {rows: " << a.pe2d.rows << ", cols: " << a.pe2d.cols << ", reg_depth: " << a.pe2d.pe.reg_depth << "}\n";
        y << "pe1d: {lanes: " << a.pe1d.lanes << ", reg_depth: " << a.pe1d.pe.reg_depth << "}\n";
    }
    if (p.pe_dim || p.glb_bytes)
        y << "glb: {capacity_bytes: " << a.glb.capacity_bytes << ", row_words: " << a.glb.row_words << "}\n";
    if (p.dram_gib_per_s > 0 || p.clock_mhz > 0)
        y << "dram: {bandwidth_gib_per_s: " << a.dram.bandwidth_bytes_per_s / double(1ull << 30) << "}\n";
    y << "tiling: {";
    if (a.tiling.m0) y << "m0: " << a.tiling.m0 << ", ";
    if (a.tiling.p0) y << "p0: " << a.tiling.p0 << ", ";
    y << "p1: " << (a.tiling.p1 ? std::to_string(a.tiling.p1) : "auto") << ", double_buffer: "
      << (a.tiling.double_buffer ? "true" : "false") << ", stack_groups: " << (a.tiling.stack_groups ? "true" : "false")
      << ", query_words: '" << a.tiling.query_words.text() << "'";
    if (a.tiling.gemm_m0) y << ", gemm_m0: " << a.tiling.gemm_m0;
    if (a.tiling.gemm_n0) y << ", gemm_n0: " << a.tiling.gemm_n0;
    if (a.tiling.gemm_block_rows) y << ", gemm_block_rows: " << a.tiling.gemm_block_rows;
    y << ", gemm_order: " << gemm_order_name(a.tiling.gemm_order);
    y << "}\n";
    const ScheduleConfig& s = a.schedule;
    y << "schedule:\n  program: " << s.program << "\n  interleave: " << (s.interleave ? "true" : "false") << "\n";
    if (!s.overlap_next.empty()) y << "  overlap_next: " << list_text(s.overlap_next) << "\n";
    y << "  ops:\n";
    const auto& program_ops = s.program_spec().ops;
    for (const OpBinding& b : s.ops) {
        if (std::find(program_ops.begin(), program_ops.end(), b.op) == program_ops.end()) continue;  // the GEMM's
        y << "    - {op: " << op_name(b.op) << ", array: " << array_name(b.array) << ", cycles: '" << b.cycles.text()
          << "', result_latency: '" << b.result_latency.text() << "'";
        if (b.glb_write) y << ", glb_write: true";
        if (!b.glb_reads.empty()) y << ", glb_reads: " << list_text(b.glb_reads);
        y << "}\n";
    }
    return y.str();
}

}  // namespace fusemax
