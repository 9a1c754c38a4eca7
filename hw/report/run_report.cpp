#include "fusemax/report/run_report.h"

#include "fusemax/area/area_model.h"
#include "fusemax/scheduler/flat_program.h"

#include <functional>

#include "fusemax/observe/stats_source.h"
#include "fusemax/report/stat_catalog.h"

namespace fusemax {
namespace {

void walk(const sc_core::sc_object& obj, nlohmann::json& out) {
    if (const auto* src = dynamic_cast<const StatsSource*>(&obj)) {
        nlohmann::json group = nlohmann::json::object();
        src->write_stats(group);
        out[obj.name()] = group;
    }
    for (const sc_core::sc_object* child : obj.get_child_objects()) walk(*child, out);
}

nlohmann::json actions(const ActionCounts& a) {
    return {{"macs", a.mac}, {"adds", a.add}, {"max_ops", a.max}, {"exp_ops", a.exp}, {"divides", a.divide}};
}

}  // namespace

CounterSnapshot snapshot(const FuseMax& top) {
    CounterSnapshot c;
    const DramStats& dram = top.dram().stats();
    c.counts.dram_read_accesses = dram.read_accesses;
    c.counts.dram_write_accesses = dram.write_accesses;
    c.counts.glb_row_reads = top.glb().stats().row_reads;
    c.counts.glb_row_writes = top.glb().stats().row_writes;
    c.counts.pe2d = top.pe2d().stats().actions;
    c.counts.pe1d = top.pe1d().stats().actions;
    c.dram_read_bytes = dram.read_bytes;
    c.dram_write_bytes = dram.write_bytes;
    c.pe2d_busy = top.pe2d().stats().busy_cycles;
    c.pe1d_busy = top.pe1d().stats().busy_cycles;
    c.pe2d_unit_cycles = top.pe2d().stats().unit_cycles;
    c.pe1d_unit_cycles = top.pe1d().stats().unit_cycles;
    return c;
}

RunSummary summarize(const FuseMax& top, const CounterSnapshot& before) {
    return summarize(top.arch(), top.scheduler().last_record(), snapshot(top), before);
}

RunSummary summarize(const ArchConfig& arch, const JobRecord& job, const CounterSnapshot& after,
                     const CounterSnapshot& before) {
    RunSummary s;
    s.cycles = job.end - job.start;
    s.compute_cycles = job.compute_end - job.compute_start;
    // A queued job may start computing before it becomes the running job (its record's start).
    s.compute_start = job.compute_start > job.start ? job.compute_start - job.start : 0;
    s.seconds = Clock(arch.clock_hz).seconds(s.cycles);
    s.counts = after.counts - before.counts;
    const ResolvedEnergy priced = resolve_energy(arch, job.program == "gemm" ? arch.gemm_energy : arch.energy);
    s.energy = energy_of(priced.table, s.counts);
    s.energy.unavailable = priced.problem;
    s.energy.note = priced.note;
    s.dram_read_bytes = after.dram_read_bytes - before.dram_read_bytes;
    s.dram_write_bytes = after.dram_write_bytes - before.dram_write_bytes;
    s.pe2d_busy = after.pe2d_busy - before.pe2d_busy;
    s.pe1d_busy = after.pe1d_busy - before.pe1d_busy;
    s.pe2d_unit_cycles = after.pe2d_unit_cycles - before.pe2d_unit_cycles;
    s.pe1d_unit_cycles = after.pe1d_unit_cycles - before.pe1d_unit_cycles;
    set_utilization(s, arch);
    s.tile_steps = job.tile_steps;
    return s;
}

void set_utilization(RunSummary& s, const ArchConfig& a) {
    const double cycles = double(s.cycles);
    const double pes = double(a.pe2d.rows) * a.pe2d.cols, lanes = double(a.pe1d.lanes);
    s.busy_2d = s.cycles ? double(s.pe2d_busy) / cycles : 0.0;
    s.busy_1d = s.cycles ? double(s.pe1d_busy) / cycles : 0.0;
    s.util_2d = s.cycles ? double(s.pe2d_unit_cycles) / (pes * cycles) : 0.0;
    s.util_1d = s.cycles ? double(s.pe1d_unit_cycles) / (lanes * cycles) : 0.0;
}

nlohmann::json area_json(const AreaReport& r) {
    auto value = [](const BlockArea& b) { return b.um2 ? nlohmann::json(*b.um2) : nlohmann::json(nullptr); };
    const auto total = r.total_um2();
    nlohmann::json j = {{"area_um2", total ? nlohmann::json(*total) : nlohmann::json(nullptr)},
                        {"area_pe2d_um2", value(r.pe2d)},
                        {"area_pe1d_um2", value(r.pe1d)},
                        {"area_glb_um2", value(r.glb)}};
    if (!total) j["area_unavailable"] = r.unavailable();
    if (r.glb.fitted) j["area_glb_fitted"] = true;  // an estimate (glb_model: fit)
    return j;
}

nlohmann::json headline_json(const RunSummary& s) {
    nlohmann::json j;
    j["cycles"] = s.cycles;
    j["latency_s"] = s.seconds;
    j["compute_cycles"] = s.compute_cycles;
    j["dram_prologue_cycles"] = s.compute_start;
    if (s.energy.available()) {
        j["energy_pj"] = s.energy.total_pj();
        j["energy_dram_pj"] = s.energy.dram_pj;
        j["energy_glb_pj"] = s.energy.glb_pj;
        j["energy_pe2d_pj"] = s.energy.pe2d_pj;
        j["energy_pe1d_pj"] = s.energy.pe1d_pj;
        if (!s.energy.note.empty()) j["energy_note"] = s.energy.note;
    } else {
        j["energy_pj"] = nullptr;
        for (const char* part : {"energy_dram_pj", "energy_glb_pj", "energy_pe2d_pj", "energy_pe1d_pj"}) j[part] = nullptr;
        j["energy_unavailable"] = s.energy.unavailable;
    }
    j["dram_bytes"] = s.dram_read_bytes + s.dram_write_bytes;
    j["dram_read_bytes"] = s.dram_read_bytes;
    j["dram_write_bytes"] = s.dram_write_bytes;
    j["dram_read_accesses"] = s.counts.dram_read_accesses;
    j["dram_write_accesses"] = s.counts.dram_write_accesses;
    j["glb_row_reads"] = s.counts.glb_row_reads;
    j["glb_row_writes"] = s.counts.glb_row_writes;
    j["util_2d"] = s.util_2d;
    j["util_1d"] = s.util_1d;
    j["busy_2d"] = s.busy_2d;
    j["busy_1d"] = s.busy_1d;
    j["tile_steps"] = s.tile_steps;
    j["pe2d_busy_cycles"] = s.pe2d_busy;
    j["pe1d_busy_cycles"] = s.pe1d_busy;
    j["actions"] = {{"pe2d", actions(s.counts.pe2d)}, {"pe1d", actions(s.counts.pe1d)}};
    return j;
}

// Operations as the arrays execute them: a MAC is two, every other action one.
std::uint64_t operations(const ActionCounts& a) { return 2 * a.mac + a.add + a.max + a.exp + a.divide; }

// Per kernel (the 3-pass designs' QK, softmax and AV; "whole" for the others): operations on each
// array, DRAM bytes, and its cycles: from its start to the next kernel's (or the job's end) where
// the program runs its kernels one after another; the job's cycles where they overlap (FLAT).
nlohmann::json stages_json(const FuseMax& top) {
    nlohmann::json out = nlohmann::json::object();
    const StageTable& pe2d = top.pe2d().stats().stages;
    const StageTable& pe1d = top.pe1d().stats().stages;
    const StageTable& dram = top.dram().stats().stages;
    const SchedulerStats& sched = top.scheduler().stats();
    const auto& starts = sched.kernel_start;
    for (std::size_t i = 0; i < kStageCount; ++i) {
        if (pe2d[i].events + pe1d[i].events + dram[i].events == 0) continue;
        Cycle start = sched.job_start, end = sched.job_end;
        const bool sequential = starts[i] != 0;
        if (sequential) {
            start = starts[i];
            for (std::uint64_t other : starts)
                if (other > start && other < end) end = other;
        }
        out[stage_name(i)] = {{"ops_2d", operations(pe2d[i].actions)},
                              {"ops_1d", operations(pe1d[i].actions)},
                              {"dram_bytes", dram[i].dram_bytes},
                              {"start_cycle", start},
                              {"end_cycle", end},
                              {"cycles", end - start},
                              {"overlapped", !sequential}};
    }
    return out;
}

nlohmann::json report_json(const FuseMax& top, const RunSummary& s, Cycle origin) {
    const ArchConfig& a = top.arch();
    nlohmann::json j;
    j["origin_cycle"] = origin;
    j["arch"] = a.name;
    j["design"] = a.design;
    j["clock_hz"] = a.clock_hz;
    const nlohmann::json headline = headline_json(s);
    for (const auto& [key, value] : headline.items())
        if (key != "actions" && key != "pe2d_busy_cycles" && key != "pe1d_busy_cycles") j[key] = value;
    const AreaReport area = area_of(a);
    j.update(area_json(area));  // and per block under "modules"
    j["pe2d"] = {{"busy_cycles", s.pe2d_busy}, {"ops", top.pe2d().op_table()}, {"actions", actions(s.counts.pe2d)}};
    j["pe1d"] = {{"busy_cycles", s.pe1d_busy}, {"ops", top.pe1d().op_table()}, {"actions", actions(s.counts.pe1d)}};
    const Job& job = top.scheduler().last_job();
    j["program"] = job.program;
    if (job.program == "gemm") {
        const GemmPlan& g = top.scheduler().gemm_plan();
        j["gemm"] = {{"m", job.gemm.m}, {"k", job.gemm.k}, {"n", job.gemm.n}, {"m0", g.m0}, {"n0", g.n0}, {"k0", g.k0},
                     {"block_tiles", g.block_tiles}, {"blocks", g.blocks}, {"w_whole", g.w_whole},
                     {"order", g.w_whole ? "w_whole" : g.w_outer ? "w_tiles" : "a_blocks"}, {"n_tiles", g.n_tiles},
                     {"w_slots", g.w_slots}, {"glb_bytes_used", g.words_used * a.word_bytes}};
    } else {
        const Tiling& t = top.scheduler().tiling();
        const GlbPlan& p = top.scheduler().glb_plan();
        j["tiling"] = {{"m0", t.m0}, {"p0", t.p0}, {"m1", t.m1}, {"p1", t.p1}, {"p2", t.p2},
                       {"query_tiles", t.query_tiles}, {"q_slots", p.q_slots}, {"kv_slots", p.kv_slots},
                       {"glb_bytes_used", p.words_used * a.word_bytes}};
        if (a.schedule.program_spec().needs_flat_table) {
            // The dataflow the table gives the job as the program ran it (grouped queries stacked).
            const FlatDataflowMatch m = FlatProgram::dataflow(a, as_mapped(job, a.tiling.stack_groups).shape);
            j["flat_dataflow"] = {{"row", m.row}, {"exact", m.exact}, {"p1", m.dataflow.p1},
                                  {"spill", m.dataflow.spill}, {"weight_stationary", m.dataflow.weight_stationary},
                                  {"q_on_chip", m.dataflow.q_on_chip}, {"v_on_chip", m.dataflow.v_on_chip}};
        }
    }
    j["stages"] = stages_json(top);
    // The ceilings of a roofline: each array's peak (a MAC per PE or lane per cycle, a MAC being
    // two operations) and the DRAM and GLB bandwidths (the GLB: a row per bank per cycle; the model
    // charges no GLB time, so this is its nominal port width).
    const double word = a.word_bytes;
    j["peaks"] = {{"ops_2d_per_s", 2.0 * a.pe2d.rows * a.pe2d.cols * a.clock_hz},
                  {"ops_1d_per_s", 2.0 * a.pe1d.lanes * a.clock_hz},
                  {"dram_bytes_per_s", a.dram.bandwidth_bytes_per_s},
                  {"glb_bytes_per_s", double(a.glb.banks) * a.glb.row_words * word * a.clock_hz}};
    nlohmann::json modules = nlohmann::json::object();
    walk(top, modules);
    // Each block's own area beside its statistics (what it is built of, from the configuration).
    auto block = [](const BlockArea& b) { return b.um2 ? nlohmann::json(*b.um2) : nlohmann::json(nullptr); };
    modules[top.pe2d().name()]["area_um2"] = block(area.pe2d);
    modules[top.pe1d().name()]["area_um2"] = block(area.pe1d);
    modules[top.glb().name()]["area_um2"] = block(area.glb);
    j["modules"] = modules;
    relative_to_origin(j, origin);
    return j;
}

}  // namespace fusemax
