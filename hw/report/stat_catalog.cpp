#include "fusemax/report/stat_catalog.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <stdexcept>

namespace fusemax {
namespace {

using S = StatScope;

// The numbers a job's summary has (top level, and again for each kernel of a layer or decode run).
const std::vector<StatInfo> kHeadline = {
    {"cycles", "cycles", "from the job's start (its START, or the end of the job queued before it) to its last DRAM write"},
    {"latency_s", "s", "cycles at the architecture's clock"},
    {"compute_cycles", "cycles", "from the first tile op's start to the last one's end"},
    {"dram_prologue_cycles", "cycles", "from the job's start to its first tile op (loads before compute)"},
    {"energy_pj", "pJ", "energy of every action counted (null where the energy table cannot price the sizes)"},
    {"energy_dram_pj", "pJ", "of it, DRAM transfers"},
    {"energy_glb_pj", "pJ", "of it, GLB row reads and writes"},
    {"energy_pe2d_pj", "pJ", "of it, the 2D array's actions"},
    {"energy_pe1d_pj", "pJ", "of it, the 1D array's actions"},
    {"energy_note", "text", "how the energy was priced when it is an estimate (a fitted GLB)"},
    {"energy_unavailable", "text", "why energy_pj is null"},
    {"dram_bytes", "bytes", "DRAM traffic, read + written"},
    {"dram_read_bytes", "bytes", "bytes read from DRAM"},
    {"dram_write_bytes", "bytes", "bytes written to DRAM"},
    {"dram_read_accesses", "count", "64-bit DRAM reads (what the energy table prices)"},
    {"dram_write_accesses", "count", "64-bit DRAM writes"},
    {"glb_row_reads", "rows", "GLB rows read"},
    {"glb_row_writes", "rows", "GLB rows written"},
    {"util_2d", "fraction", "2D array utilization: useful PE-cycles / (PEs x cycles)"},
    {"util_1d", "fraction", "1D array utilization: useful lane-cycles / (lanes x cycles)"},
    {"busy_2d", "fraction", "cycles the 2D array had an op / cycles"},
    {"busy_1d", "fraction", "cycles the 1D array had an op / cycles"},
    {"tile_steps", "count", "tile steps executed (a query tile against a key tile; a GEMM tile)"},
};

// Counts of the actions the energy table prices.
const std::vector<StatInfo> kActions = {
    {"macs", "count", "multiply-accumulates"},
    {"adds", "count", "additions"},
    {"max_ops", "count", "maximum comparisons"},
    {"exp_ops", "count", "exponentials"},
    {"divides", "count", "divisions"},
};

const std::vector<StatInfo> kOthers = {
    {"origin_cycle", "cycles", "simulated cycles before the run's first job started: every 'cycle' timestamp counts from here"},
    {"arch", "text", "the architecture's name"},
    {"design", "text", "the design (unfused, flat, cascade, architecture, binding)"},
    {"program", "text", "the program of the last job (attention, flat, unfused, gemm, ...)"},
    {"kind", "text", "what ran: attention, gemm, layer or decode"},
    {"mode", "text", "functional (values computed) or timing"},
    {"clock_hz", "Hz", "the architecture's clock"},
    {"area_um2", "um^2", "chip area: 2D array + 1D array + GLB (null where the area table cannot say)"},
    {"area_pe2d_um2", "um^2", "2D array area"},
    {"area_pe1d_um2", "um^2", "1D array area"},
    {"area_glb_um2", "um^2", "GLB area"},
    {"area_unavailable", "text", "why area_um2 is null"},
    {"area_glb_fitted", "bool", "the GLB's area and energy are fitted estimates (glb_model: fit)"},
    {"max_abs_error", "1", "functional mode: largest |O - O_fp64| over the worst kernel's outputs"},
    {"max_rel_error", "1", "functional mode: the same relative to the output's scale"},
    {"non_finite_outputs", "count", "functional mode: outputs that are NaN or infinite"},
    {"check.passed", "bool", "every kernel's error is within its tolerance"},
    {"check.abs_bound", "1", "worst kernel: absolute error bound of fp32 arithmetic"},
    {"check.rel_bound", "1", "worst kernel: relative error bound"},
    {"check.tolerance", "1", "worst kernel: the relative error accepted (the bound, or --tolerance)"},
    {"check.basis", "text", "what the bound was derived from"},
    {"checks[].kernel", "text", "a layer's kernel"},
    {"checks[].passed", "bool", "its error is within its tolerance"},
    {"checks[].max_abs_error", "1", "its largest absolute error"},
    {"checks[].max_rel_error", "1", "its largest relative error"},
    {"checks[].abs_bound", "1", "its absolute error bound"},
    {"checks[].rel_bound", "1", "its relative error bound"},
    {"checks[].tolerance", "1", "the relative error accepted"},
    {"checks[].basis", "text", "what its bound was derived from"},
    {"decode.steps", "count", "decode steps after the prefill"},
    {"decode.prefill_cycles", "cycles", "the prefill's cycles"},
    {"decode.step_cycles_mean", "cycles", "a decode step's cycles on average"},
    {"decode.tokens_per_second", "1/s", "tokens generated per second over the batch"},
    {"kernels[].name", "text", "the kernel (Q, K, V projections, attention, output projection, FFN1, FFN2; prefill, steps)"},
    {"kernels[].program", "text", "its program"},
    {"kernels[].gemm.{m,k,n}", "count", "a GEMM kernel's shape: Z[m,n] = A[m,k] W[k,n]"},
    {"kernels[].{pe2d,pe1d}_busy_cycles", "cycles", "cycles the array had an op of this kernel"},
    {"{pe2d,pe1d}.busy_cycles", "cycles", "cycles the array had an op"},
    {"{pe2d,pe1d}.ops.*.count", "count", "ops of this kind the array ran"},
    {"{pe2d,pe1d}.ops.*.cycles", "cycles", "cycles the array spent on them"},
    {"tiling.m0", "count", "keys in a key tile (the 2D array's rows)"},
    {"tiling.p0", "count", "queries in a query tile (the 2D array's columns)"},
    {"tiling.m1", "count", "key tiles in the sequence"},
    {"tiling.p1", "count", "query tiles in flight at once"},
    {"tiling.p2", "count", "groups of p1 query tiles"},
    {"tiling.query_tiles", "count", "query tiles in the sequence"},
    {"tiling.q_slots", "count", "Q tile buffers in the GLB"},
    {"tiling.kv_slots", "count", "K/V tile buffers in the GLB"},
    {"tiling.glb_bytes_used", "bytes", "GLB the tiling occupies"},
    {"gemm.{m,k,n}", "count", "the GEMM's shape: Z[m,n] = A[m,k] W[k,n]"},
    {"gemm.{m0,n0,k0}", "count", "tile rows, columns and depth"},
    {"gemm.block_tiles", "count", "m0-row tiles of A in a GLB block"},
    {"gemm.blocks", "count", "blocks of A"},
    {"gemm.w_whole", "bool", "W fits the GLB whole"},
    {"gemm.order", "text", "loop order: w_whole, a_blocks (W re-read per block) or w_tiles (A re-read per W tile)"},
    {"gemm.n_tiles", "count", "n0-column tiles of W"},
    {"gemm.w_slots", "count", "W tile buffers in the GLB"},
    {"gemm.glb_bytes_used", "bytes", "GLB the GEMM occupies"},
    {"flat_dataflow.row", "text", "the row of flat_dataflow.csv the job took its dataflow from"},
    {"flat_dataflow.exact", "bool", "the row matches the job's shape exactly"},
    {"flat_dataflow.p1", "count", "query rows per FLAT tile"},
    {"flat_dataflow.spill", "fraction", "share of the score tile spilled to DRAM"},
    {"flat_dataflow.weight_stationary", "bool", "K/V held stationary"},
    {"flat_dataflow.q_on_chip", "bool", "Q kept on chip"},
    {"flat_dataflow.v_on_chip", "bool", "V kept on chip"},
    {"stages.*.ops_2d", "count", "operations on the 2D array in this kernel of the program (a MAC is two)"},
    {"stages.*.ops_1d", "count", "operations on the 1D array"},
    {"stages.*.dram_bytes", "bytes", "DRAM traffic"},
    {"stages.*.start_cycle", "cycle", "when it started"},
    {"stages.*.end_cycle", "cycle", "when the next one started (or the job ended)"},
    {"stages.*.cycles", "cycles", "end - start; the job's cycles where the kernels overlap"},
    {"stages.*.overlapped", "bool", "the program runs its kernels together (one-pass, FLAT)"},
    {"peaks.ops_2d_per_s", "ops/s", "the 2D array's peak (two operations per PE per cycle)"},
    {"peaks.ops_1d_per_s", "ops/s", "the 1D array's peak"},
    {"peaks.dram_bytes_per_s", "bytes/s", "DRAM bandwidth"},
    {"peaks.glb_bytes_per_s", "bytes/s", "GLB port width (a row per bank per cycle; the model charges no GLB time)"},
    {"workload.name", "text", "the workload's name (gemm for --gemm)"},
    {"workload.{batch,heads,kv_heads}", "count", "batch, query heads and key/value heads"},
    {"workload.{seq_q,seq_kv}", "count", "queries and keys per head"},
    {"workload.{head_dim,v_dim}", "count", "Q/K and V head dims"},
    {"workload.scale", "1", "softmax scale folded into Q"},
    {"workload.causal", "bool", "causal mask"},
    {"workload.window", "count", "sliding window in keys (0: none)"},
    {"workload.{d_model,ffn}", "count", "a layer's model and FFN widths"},
    {"workload.{m,k,n}", "count", "a GEMM's shape"},
    // Each module's own group, as the module keeps it (counts since elaboration).
    {"modules.fusemax.{pe2d,pe1d}.busy_cycles", "cycles", "cycles the array had an op"},
    {"modules.fusemax.{pe2d,pe1d}.unit_cycles", "count", "busy cycles x the units (PEs, lanes) each op kept busy"},
    {"modules.fusemax.{pe2d,pe1d}.op_count", "count", "ops run"},
    {"modules.fusemax.{pe2d,pe1d}.first_start_cycle", "cycle", "when the first op started (null: the array ran nothing)"},
    {"modules.fusemax.{pe2d,pe1d}.last_end_cycle", "cycle", "when the last op ended (null: the array ran nothing)"},
    {"modules.fusemax.{pe2d,pe1d}.forwards", "count", "register transfers to the other array"},
    {"modules.fusemax.{pe2d,pe1d}.transactions", "count", "TLM transactions received"},
    {"modules.fusemax.{pe2d,pe1d}.ops.*.count", "count", "ops of this kind"},
    {"modules.fusemax.{pe2d,pe1d}.ops.*.cycles", "cycles", "cycles spent on them"},
    {"modules.fusemax.{pe2d,pe1d,glb}.area_um2", "um^2", "the block's area"},
    {"modules.fusemax.{pe2d,pe1d,dram}.stages.*.dram_bytes", "bytes", "DRAM traffic of this kernel of the program"},
    {"modules.fusemax.{pe2d,pe1d,dram}.stages.*.events", "count", "ops or transfers of this kernel"},
    {"modules.fusemax.glb.row_reads", "rows", "rows read"},
    {"modules.fusemax.glb.row_writes", "rows", "rows written"},
    {"modules.fusemax.glb.words_read", "words", "words read"},
    {"modules.fusemax.glb.words_written", "words", "words written"},
    {"modules.fusemax.glb.bank_rows[]", "rows", "rows touched in each bank (row r lives in bank r % banks)"},
    {"modules.fusemax.glb.transactions", "count", "TLM transactions received"},
    {"modules.fusemax.glb.capacity_words", "words", "capacity"},
    {"modules.fusemax.glb.row_words", "words", "words per row"},
    {"modules.fusemax.glb.banks", "count", "banks"},
    {"modules.fusemax.dram.{read_bytes,write_bytes}", "bytes", "bytes read / written"},
    {"modules.fusemax.dram.{read_accesses,write_accesses}", "count", "64-bit reads / writes"},
    {"modules.fusemax.dram.busy_cycles", "cycles", "cycles the channel moved data"},
    {"modules.fusemax.dram.bytes_by_tensor.*", "bytes", "traffic per tensor (Q, K, V, O; A, W, Z, X; QK spills)"},
    {"modules.fusemax.dram.transfers", "count", "block transfers"},
    {"modules.fusemax.dram.transactions", "count", "TLM transactions received"},
    {"modules.fusemax.dram.dmi_accesses", "count", "platform-memory accesses through DMI"},
    {"modules.fusemax.dram.bus_accesses", "count", "platform-memory accesses through b_transport"},
    {"modules.fusemax.dram.platform_time_ps", "ps", "time the platform's memory took beyond the channel model (recorded, never charged)"},
    {"modules.fusemax.dram.platform_waits", "count", "accesses during which the platform's memory let simulated time pass"},
    {"modules.fusemax.dram.bandwidth_bytes_per_cycle", "bytes/cycle", "the channel's bandwidth"},
    {"modules.fusemax.dram.latency_cycles", "cycles", "the channel's latency"},
    {"modules.fusemax.dram.policy", "text", "the controller's policy (reads_first, in_order)"},
    {"modules.fusemax.dram.write_queue", "count", "posted writes the controller holds"},
    {"modules.fusemax.scheduler.jobs", "count", "jobs run"},
    {"modules.fusemax.scheduler.tile_steps", "count", "tile steps, simulated or fast-forwarded"},
    {"modules.fusemax.scheduler.skipped_tile_steps", "count", "tile steps a mask skipped (no query of the tile sees a key)"},
    {"modules.fusemax.scheduler.ops_issued_{pe2d,pe1d}", "count", "ops issued to the array"},
    {"modules.fusemax.scheduler.busy_cycles_{pe2d,pe1d}", "cycles", "busy cycles of the ops it issued"},
    {"modules.fusemax.scheduler.dram_loads", "count", "DRAM loads issued"},
    {"modules.fusemax.scheduler.dram_stores", "count", "DRAM stores issued"},
    {"modules.fusemax.scheduler.transactions", "count", "TLM transactions initiated"},
    {"modules.fusemax.scheduler.fast_forwards", "count", "fast-forward jumps taken"},
    {"modules.fusemax.scheduler.fast_forwarded_tile_steps", "count", "tile steps accounted by jumps rather than simulated"},
    {"modules.fusemax.scheduler.job_start_cycle", "cycle", "last job: when it started"},
    {"modules.fusemax.scheduler.job_end_cycle", "cycle", "last job: when its last transfer completed"},
    {"modules.fusemax.scheduler.compute_start_cycle", "cycle", "last job: when its first tile op started"},
    {"modules.fusemax.scheduler.compute_end_cycle", "cycle", "last job: when its last tile op ended"},
    {"modules.fusemax.scheduler.kernel_start_cycles.*", "cycle", "last job, 3-pass programs: when each kernel began"},
    {"modules.fusemax.registers.reads", "count", "register reads"},
    {"modules.fusemax.registers.writes", "count", "register writes"},
    {"modules.fusemax.registers.debug_accesses", "count", "debug (transport_dbg) accesses"},
    {"modules.fusemax.registers.error_responses", "count", "accesses answered with an error response"},
    {"modules.fusemax.registers.starts", "count", "jobs started"},
    {"modules.fusemax.registers.refused_starts", "count", "STARTs refused (bad job descriptor)"},
    {"modules.fusemax.registers.jobs_done", "count", "jobs completed"},
    {"host.wall_s", "s", "wall-clock time of the run on this machine", S::Host},
    {"host.cpu_s", "s", "CPU time of the process (both threads) during the run", S::Host},
    // Columns of tools/sweep's CSV that the statistics JSON has no field for.
    {"kernel", "text", "the sweep's kernel: attention, linear, layer, pareto", S::Sweep},
    {"model", "text", "the model (BERT, TrXL, T5, XLM, or a workload file's name)", S::Sweep},
    {"seq_len", "count", "sequence length", S::Sweep},
    {"batch", "count", "batch", S::Sweep},
    {"heads", "count", "heads", S::Sweep},
    {"head_dim", "count", "head dim", S::Sweep},
    {"util_2d_{QK,LM,SLN,SLD,SLNV,AVM}", "fraction", "cycles the 2D array ran this op / cycles", S::Sweep},
    {"pe_dim", "count", "PE_DIM of the array-size sweep", S::Sweep},
    {"glb_rule", "text", "how the array-size sweep sized the GLB", S::Sweep},
    {"glb_bytes", "bytes", "the GLB's capacity in the array-size sweep", S::Sweep},
    {"p1", "count", "the pareto sweep's P1", S::Sweep},
    {"wall_s", "s", "wall-clock time of the point (host)", S::Sweep},
    {"cpu_s", "s", "CPU time of the point's simulator processes, user + system (host)", S::Sweep},
    // Columns of fusemax-explore's points.csv besides the statistics' own.
    {"point", "count", "the point's index in the search space", S::Explore},
    {"status", "text", "evaluated, pruned_capacity, pruned_bound or refused", S::Explore},
    {"binding", "text", "own, auto:<ops on arrays> or a design file's schedule", S::Explore},
    {"{interleave,double_buffer,stack_groups}", "bool", "mapping switches", S::Explore},
    {"{m0,p0,p1,gemm_m0,gemm_n0,gemm_block_rows}", "count", "mapping sizes (empty: the default)", S::Explore},
    {"gemm_order", "text", "the GEMM loop order", S::Explore},
    {"{pe_dim,glb_bytes,dram_gib_per_s,clock_mhz}", "1", "hardware: PE_DIM, GLB bytes, DRAM GiB/s, clock MHz", S::Explore},
    {"edp_js", "J s", "energy x latency", S::Explore},
    {"p1_used", "count", "the P1 the tiling took", S::Explore},
    {"bound_latency_s", "s", "lower bound on latency used to prune", S::Explore},
    {"bound_energy_pj", "pJ", "lower bound on energy used to prune", S::Explore},
    {"pareto", "bool", "on the Pareto front of latency, energy and area", S::Explore},
    {"reason", "text", "why a point was pruned or refused", S::Explore},
};

std::vector<StatInfo> build() {
    std::vector<StatInfo> all;
    static std::deque<std::string> text;  // owns the generated paths and descriptions (stable addresses)
    auto add = [&](std::string path, const StatInfo& like, std::string description) {
        text.push_back(std::move(path));
        const char* p = text.back().c_str();
        text.push_back(std::move(description));
        all.push_back({p, like.unit, text.back().c_str(), like.scope});
    };
    all.insert(all.end(), kHeadline.begin(), kHeadline.end());
    for (const StatInfo& h : kHeadline) add("kernels[]." + std::string(h.path), h, std::string("this kernel: ") + h.description);
    for (const StatInfo& a : kActions) {
        add("{pe2d,pe1d}.actions." + std::string(a.path), a, a.description);
        add("kernels[].actions.{pe2d,pe1d}." + std::string(a.path), a, std::string("this kernel's ") + a.description);
        add("modules.fusemax.{pe2d,pe1d}." + std::string(a.path), a, a.description);
        add("modules.fusemax.{pe2d,pe1d,dram}.stages.*." + std::string(a.path), a, std::string(a.description) + " in this kernel of the program");
    }
    all.insert(all.end(), kOthers.begin(), kOthers.end());
    return all;
}

// A pattern with {a,b} alternatives as the plain patterns it stands for.
std::vector<std::string> expand(const std::string& pattern) {
    const std::size_t open = pattern.find('{');
    if (open == std::string::npos) return {pattern};
    const std::size_t close = pattern.find('}', open);
    std::vector<std::string> out;
    std::stringstream alts(pattern.substr(open + 1, close - open - 1));
    for (std::string alt; std::getline(alts, alt, ',');)
        for (std::string p : expand(pattern.substr(0, open) + alt + pattern.substr(close + 1))) out.push_back(std::move(p));
    return out;
}

// Where the rest of the pattern starts if `key` matches its next segment at `pos`, else npos. Keys
// may hold dots (module names), so a literal segment is the key itself followed by '.', '[' or the end.
std::size_t match_segment(const std::string& pattern, std::size_t pos, const std::string& key) {
    std::size_t end = pos + key.size();
    if (pattern.compare(pos, 1, "*") == 0) end = pos + 1;
    else if (pattern.compare(pos, key.size(), key) != 0) return std::string::npos;
    if (end == pattern.size() || pattern[end] == '[') return end;
    return pattern[end] == '.' ? end + 1 : std::string::npos;
}

void visit(nlohmann::json& j, const std::string& pattern, std::size_t pos, const std::function<void(nlohmann::json&)>& fn) {
    if (pos == pattern.size()) {
        fn(j);
        return;
    }
    if (j.is_array() && pattern.compare(pos, 2, "[]") == 0) {
        const std::size_t next = pos + 2 == pattern.size() ? pos + 2 : pattern[pos + 2] == '.' ? pos + 3 : std::string::npos;
        if (next == std::string::npos) return;
        for (nlohmann::json& e : j) visit(e, pattern, next, fn);
        return;
    }
    if (!j.is_object()) return;
    for (auto& [key, child] : j.items()) {
        const std::size_t next = match_segment(pattern, pos, key);
        if (next != std::string::npos) visit(child, pattern, next, fn);
    }
}

void leaves(const nlohmann::json& j, const std::string& path, std::vector<std::pair<std::string, const nlohmann::json*>>& out) {
    if (j.is_object() && !j.empty()) {
        for (const auto& [key, child] : j.items()) leaves(child, path.empty() ? key : path + "." + key, out);
    } else if (j.is_array() && !j.empty() && j.front().is_object()) {
        for (const auto& e : j) leaves(e, path + "[]", out);
    } else {
        out.emplace_back(j.is_array() ? path + "[]" : path, &j);
    }
}

}  // namespace

const std::vector<StatInfo>& stat_catalog() {
    static const std::vector<StatInfo> all = build();
    return all;
}

const char* scope_name(StatScope s) {
    switch (s) {
        case StatScope::Stats: return "stats";
        case StatScope::Host: return "host";
        case StatScope::Sweep: return "sweep";
        case StatScope::Explore: return "explore";
    }
    return "?";
}

void for_each_stat(nlohmann::json& j, const std::string& pattern, const std::function<void(nlohmann::json&)>& fn) {
    for (const std::string& p : expand(pattern)) visit(j, p, 0, fn);
}

std::vector<std::string> undescribed_stats(const nlohmann::json& j) {
    // Every value a catalog entry names becomes a marker; the leaves left unmarked are undescribed.
    const nlohmann::json marker = "<described>";
    nlohmann::json copy = j;
    for (const StatInfo& s : stat_catalog())
        if (s.scope == StatScope::Stats || s.scope == StatScope::Host)
            for_each_stat(copy, s.path, [&](nlohmann::json& v) { v = marker; });
    std::vector<std::pair<std::string, const nlohmann::json*>> left;
    leaves(copy, "", left);
    std::vector<std::string> out;
    for (const auto& [path, value] : left) {
        if (value->empty() && (value->is_object() || value->is_array())) continue;  // no statistic in it
        const bool marked = *value == marker ||
                            (value->is_array() && std::all_of(value->begin(), value->end(), [&](const auto& e) { return e == marker; }));
        if (!marked && std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
    }
    return out;
}

void relative_to_origin(nlohmann::json& j, std::uint64_t origin) {
    for (const StatInfo& s : stat_catalog()) {
        if (std::string(s.unit) != "cycle") continue;
        for_each_stat(j, s.path, [&](nlohmann::json& v) {
            if (!v.is_number_unsigned()) return;
            // Before the run's first job: a module this run never used (its time still 0).
            const std::uint64_t at = v.get<std::uint64_t>();
            v = at < origin ? nlohmann::json(nullptr) : nlohmann::json(at - origin);
        });
    }
}

std::string describe_stats(const std::string& format) {
    const auto& all = stat_catalog();
    if (format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const StatInfo& s : all)
            list.push_back({{"path", s.path}, {"unit", s.unit}, {"scope", scope_name(s.scope)}, {"description", s.description}});
        return list.dump(2) + "\n";
    }
    std::ostringstream out;
    if (format == "csv") {
        out << "path,unit,scope,description\n";
        for (const StatInfo& s : all) {
            std::string d = s.description;
            for (std::size_t p = 0; (p = d.find('"', p)) != std::string::npos; p += 2) d.insert(p, "\"");
            out << s.path << ',' << s.unit << ',' << scope_name(s.scope) << ",\"" << d << "\"\n";
        }
        return out.str();
    }
    if (format != "text") throw std::invalid_argument("--describe-stats: expected text, json or csv, got '" + format + "'");
    std::size_t width = 0, unit_width = 0;
    for (const StatInfo& s : all) width = std::max(width, std::string(s.path).size()), unit_width = std::max(unit_width, std::string(s.unit).size());
    StatScope scope = StatScope::Stats;
    out << "Statistics JSON (fusemax-sim --stats; fusemax.run().stats). Top-level names are also the sweep's and\n"
           "the explorer's CSV columns. unit 'cycle': a timestamp in cycles since origin_cycle.\n";
    for (const StatInfo& s : all) {
        if (s.scope != scope) {
            scope = s.scope;
            out << (scope == StatScope::Host ? "\nHost measurements (JSON \"host\"; not reproducible run to run):\n"
                    : scope == StatScope::Sweep ? "\ntools/sweep CSV columns besides the statistics' own:\n"
                                                : "\nfusemax-explore points.csv columns besides the statistics' own:\n");
        }
        std::string path = s.path, unit = s.unit;
        out << "  " << path << std::string(width - path.size() + 2, ' ') << unit << std::string(unit_width - unit.size() + 2, ' ')
            << s.description << '\n';
    }
    return out.str();
}

}  // namespace fusemax
