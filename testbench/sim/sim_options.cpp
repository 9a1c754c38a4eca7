#include "sim/sim_options.h"


#include <sstream>
#include <type_traits>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "tool/cli.h"

namespace po = boost::program_options;

namespace fusemax {
namespace {

constexpr const char* kTool = "fusemax-sim";

std::uint64_t positive(const po::variables_map& vm, const char* flag) { return cli::positive_int(vm, kTool, flag); }
double positive_real(const po::variables_map& vm, const char* flag) { return cli::positive_number(vm, kTool, flag); }

}  // namespace

SimOptions parse_sim_options(int argc, char** argv, std::string& help_text) {
    po::options_description desc(
        "fusemax-sim: runs attention, a GEMM or a whole transformer layer on the FuseMax SystemC/TLM-2.0 model and\n"
        "reports cycles, energy and utilization\n"
        "Options");
    desc.add_options()
        ("help,h", "print this help and exit")
        ("describe-stats", po::value<std::string>()->implicit_value("text"),
         "print every statistic with its unit and meaning and exit: text (default), json or csv")
        ("arch", po::value<std::string>(), "architecture YAML (default: configs/arch/fusemax.yaml, FuseMax +Binding)")
        ("workload", po::value<std::string>(), "workload YAML (default: BERT-Base shape, batch 1, 12 heads, 1K tokens)")
        ("batch", po::value<std::string>(), "batch size B")
        ("heads", po::value<std::string>(), "heads H")
        ("seq", po::value<std::string>(), "sequence length (queries = keys): 4096, 16K, 1M")
        ("seq-q", po::value<std::string>(), "query length P")
        ("seq-kv", po::value<std::string>(), "key/value length M")
        ("head-dim", po::value<std::string>(), "query/key head dim E")
        ("v-dim", po::value<std::string>(), "value head dim F (default: E)")
        ("scale", po::value<std::string>(), "softmax scale folded into Q (default 1)")
        ("decode-steps", po::value<std::string>(), "prefill the sequence, then N decode steps, each one new query "
                                                   "against the cache grown by one key")
        ("kv-heads", po::value<std::string>(), "grouped-query attention: key/value heads, each shared by heads / "
                                               "kv-heads query heads (1: multi-query)")
        ("causal", "causal attention: query i sees keys j <= i + M - P (tiles above the diagonal are skipped)")
        ("window", po::value<std::string>(), "sliding window of W keys (implies --causal): query i sees keys "
                                             "i + M - P - W < j <= i + M - P")
        ("seed", po::value<std::string>(), "seed of the random Q, K, V (default 1)")
        ("q", po::value<std::string>(), "Q as .npy float32/float16 [B,H,P,E]")
        ("k", po::value<std::string>(), "K as .npy float32/float16 [B,H,M,E]")
        ("v", po::value<std::string>(), "V as .npy float32/float16 [B,H,M,F]")
        ("gemm", po::value<std::string>(), "run one GEMM Z[M,N] = A[M,K] W[K,N] instead of attention: M,K,N")
        ("a", po::value<std::string>(), "the GEMM's A as .npy float32/float16 [M,K]")
        ("w", po::value<std::string>(), "the GEMM's W as .npy float32/float16 [K,N]")
        ("layer", "run the whole transformer layer: the Q, K, V projections, attention, the output projection, "
                  "FFN1 and FFN2, one after another (each queued behind the one before)")
        ("d-model", po::value<std::string>(), "the layer's model width D (default: the workload's)")
        ("ffn", po::value<std::string>(), "the layer's FFN width S (default: the workload's)")
        ("gemm-m0", po::value<std::string>(), "GEMM tile rows m0 (default: the 2D array's rows)")
        ("gemm-n0", po::value<std::string>(), "GEMM tile columns n0 (default: the 2D array's columns)")
        ("gemm-block-rows", po::value<std::string>(), "rows of A the GLB holds at once (default: as many as fit)")
        ("gemm-order", po::value<std::string>(), "when W does not fit the GLB: a_blocks (A blocks outermost, W "
                                                 "re-read per block; default) or w_tiles (W tiles outermost, A re-read per tile)")
        ("out", po::value<std::string>(), "write the output as float32 .npy: O [B,H,P,F]; Z [M,N] (--gemm); the "
                                          "layer's output [B*P,D] (--layer)")
        ("dram-gib-per-s", po::value<std::string>(), "DRAM bandwidth in GiB/s (default: the architecture's)")
        ("dram-policy", po::value<std::string>(), "DRAM controller policy: reads_first (reads ahead of posted writes "
                                                  "unless the write queue is full) or in_order")
        ("write-queue", po::value<std::string>(), "posted writes the DRAM controller holds (transfers)")
        ("glb-bytes", po::value<std::string>(), "GLB capacity in bytes (default: the architecture's)")
        ("pe-dim", po::value<std::string>(), "a PE_DIM x PE_DIM 2D array, PE_DIM 1D lanes and GLB rows of PE_DIM words "
                                             "(the array-size sweep)")
        ("reg-depth-2d", po::value<std::string>(), "words in each 2D PE's register file (area only)")
        ("reg-depth-1d", po::value<std::string>(), "words in each 1D lane's register file (area only)")
        ("stats", po::value<std::string>(), "write statistics as JSON to FILE ('-': to standard output, without the summary)")
        ("mode", po::value<std::string>(), "functional (default: computes O) or timing (no values)")
        ("dtype", po::value<std::string>(), "element type of Q, K, V, O in platform memory: fp32 (default) or fp16")
        ("vcd", po::value<std::string>(), "write waveforms (VCD, SystemC sc_trace) to FILE")
        ("trace-json", po::value<std::string>(), "write a Chrome/Perfetto trace (JSON) to FILE")
        ("trace-start", po::value<std::string>(), "record waveforms and trace from this simulated time (e.g. 10us)")
        ("trace-stop", po::value<std::string>(), "record waveforms and trace until this simulated time")
        ("quantum", po::value<std::string>(), "temporal-decoupling quantum of the IP: a time with a unit of ps, ns, us, "
                                              "ms or s (e.g. 50us; default 100,000 clock cycles, 106 us at 940 MHz)")
        ("no-fast-forward", "timing mode: simulate every tile step (default: jump over periodic stretches)")
        ("no-check", "skip the comparison with the fp64 reference")
        ("tolerance", po::value<std::string>(), "max relative error the check accepts (default: a floating-point "
                                                "error bound derived from the job, printed with the result)")
        ("max-memory", po::value<std::string>(), "memory functional mode may use, e.g. 8G (default: what the machine "
                                                 "has available)")
        ("inject-fault", po::value<std::string>(), "test the check: break the datapath on purpose (rescale: the "
                                                   "running state is not rescaled; drop-key: SLNV skips a key per tile)")
        ("quiet", "print nothing but errors");
    std::ostringstream help;
    help << desc;
    help_text = help.str();

    const po::variables_map vm = cli::parse(kTool, desc, {}, argc, argv);

    SimOptions o;
    o.help = vm.count("help") > 0;
    if (vm.count("describe-stats")) {
        o.describe_stats = vm["describe-stats"].as<std::string>();
        if (*o.describe_stats != "text" && *o.describe_stats != "json" && *o.describe_stats != "csv")
            throw ConfigError(std::string(kTool) + ": --describe-stats: expected text, json or csv, got '" + *o.describe_stats + "'");
    }
    o.arch_path = vm.count("arch") ? vm["arch"].as<std::string>() : default_arch_path();
    if (vm.count("workload")) o.workload_path = vm["workload"].as<std::string>();
    auto opt_int = [&vm](const char* flag, std::optional<std::uint64_t>& slot) {
        if (vm.count(flag)) slot = positive(vm, flag);
    };
    opt_int("batch", o.batch);
    opt_int("heads", o.heads);
    auto opt_length = [&vm](const char* flag, std::optional<std::uint64_t>& slot) {
        if (vm.count(flag)) slot = cli::positive_length(vm, kTool, flag);
    };
    opt_length("seq", o.seq);
    opt_length("seq-q", o.seq_q);
    opt_length("seq-kv", o.seq_kv);
    opt_int("head-dim", o.head_dim);
    opt_int("v-dim", o.v_dim);
    if (o.seq && (o.seq_q || o.seq_kv))
        throw ConfigError("fusemax-sim: --seq: give either --seq or --seq-q/--seq-kv");
    if (vm.count("scale")) o.scale = positive_real(vm, "scale");
    o.causal = vm.count("causal") > 0;
    opt_int("kv-heads", o.kv_heads);
    if (vm.count("decode-steps")) {
        o.decode_steps = positive(vm, "decode-steps");
        if (vm.count("gemm") || vm.count("layer"))
            throw ConfigError("fusemax-sim: --decode-steps: attention only (not with --gemm or --layer)");
        if (vm.count("q")) throw ConfigError("fusemax-sim: --decode-steps: the queries and cache are random (no --q/--k/--v)");
    }
    if (vm.count("window")) o.window = cli::positive_length(vm, kTool, "window");
    if (vm.count("tolerance")) {
        o.tolerance = positive_real(vm, "tolerance");
        o.tolerance_given = true;
    }
    if (vm.count("seed")) {
        const std::string text = vm["seed"].as<std::string>();
        std::int64_t v = 0;
        if (!parse_int(text, v) || v < 0)
            throw ConfigError("fusemax-sim: --seed: expected a non-negative integer, got '" + text + "'");
        o.seed = static_cast<std::uint64_t>(v);
    }
    auto opt_str = [&vm](const char* flag, std::optional<std::string>& slot) {
        if (vm.count(flag)) slot = vm[flag].as<std::string>();
    };
    opt_str("q", o.q_path);
    opt_str("a", o.a_path);
    opt_str("w", o.w_path);
    if (vm.count("gemm")) {
        const std::string text = vm["gemm"].as<std::string>();
        GemmShape g;
        if (!parse_gemm_dims(text, g))
            throw ConfigError("fusemax-sim: --gemm: expected M,K,N (three positive integers), got '" + text + "'");
        validate_gemm(g, "fusemax-sim: --gemm");
        o.gemm = g;
    }
    if (vm.count("dram-gib-per-s")) o.hardware.dram_gib_per_s = positive_real(vm, "dram-gib-per-s");
    if (vm.count("dram-policy")) {
        const std::string text = vm["dram-policy"].as<std::string>();
        o.hardware.dram_policy = parse_policy(text);
        if (!o.hardware.dram_policy)
            throw ConfigError("fusemax-sim: --dram-policy: expected reads_first or in_order, got '" + text + "'");
    }
    if (vm.count("write-queue")) o.hardware.write_queue = positive(vm, "write-queue");
    if (vm.count("glb-bytes")) o.hardware.glb_bytes = cli::size_bytes(vm, kTool, "glb-bytes");
    if (vm.count("pe-dim")) o.hardware.pe_dim = positive(vm, "pe-dim");
    if (vm.count("reg-depth-2d")) o.hardware.reg_depth_2d = positive(vm, "reg-depth-2d");
    if (vm.count("reg-depth-1d")) o.hardware.reg_depth_1d = positive(vm, "reg-depth-1d");
    o.layer = vm.count("layer") > 0;
    opt_int("d-model", o.d_model);
    opt_int("ffn", o.ffn);
    auto tile = [&](const char* flag, auto& slot) {
        if (!vm.count(flag)) return;
        const std::uint64_t v = positive(vm, flag);
        if (v > kMaxGemmDim) throw ConfigError(std::string("fusemax-sim: --") + flag + ": expected at most 2^32");
        slot = static_cast<std::remove_reference_t<decltype(slot)>>(v);
    };
    tile("gemm-m0", o.tiles.m0);
    tile("gemm-n0", o.tiles.n0);
    tile("gemm-block-rows", o.tiles.block_rows);
    if (vm.count("gemm-order")) {
        const std::string order = vm["gemm-order"].as<std::string>();
        if (order != "a_blocks" && order != "w_tiles")
            throw ConfigError("fusemax-sim: --gemm-order: expected a_blocks or w_tiles, got '" + order + "'");
        o.tiles.order = order == "w_tiles" ? GemmOrder::WTiles : GemmOrder::ABlocks;
    }
    if (o.gemm) {
        if (o.layer) throw ConfigError("fusemax-sim: --gemm: give either --gemm or --layer");
        if (vm.count("workload") || o.shape_flags_given() || o.q_path || vm.count("scale"))
            throw ConfigError("fusemax-sim: --gemm: attention's workload, shape flags and --q/--k/--v do not apply");
        o.gemm->m0 = o.tiles.m0, o.gemm->n0 = o.tiles.n0, o.gemm->block_rows = o.tiles.block_rows;
        o.gemm->order = o.tiles.order;
    }
    if ((o.a_path || o.w_path) && !o.gemm) throw ConfigError("fusemax-sim: --a, --w: the inputs of --gemm");
    if (bool(o.a_path) != bool(o.w_path)) throw ConfigError("fusemax-sim: --a, --w: give both .npy files or neither");
    if (o.q_path && o.layer) throw ConfigError("fusemax-sim: --layer: computes Q, K, V itself (no --q/--k/--v)");
    opt_str("k", o.k_path);
    opt_str("v", o.v_path);
    opt_str("out", o.out_path);
    opt_str("stats", o.stats_path);
    const int given = int(bool(o.q_path)) + int(bool(o.k_path)) + int(bool(o.v_path));
    if (given != 0 && given != 3) throw ConfigError("fusemax-sim: --q, --k, --v: give all three .npy files or none");
    if (vm.count("mode")) {
        const std::string m = vm["mode"].as<std::string>();
        if (m == "functional") o.functional = true;
        else if (m == "timing") o.functional = false;
        else throw ConfigError("fusemax-sim: --mode: expected functional or timing, got '" + m + "'");
    }
    if (vm.count("dtype")) {
        const std::string d = vm["dtype"].as<std::string>();
        if (d == "fp32") o.dtype = ElemType::F32;
        else if (d == "fp16") o.dtype = ElemType::F16;
        else throw ConfigError("fusemax-sim: --dtype: expected fp32 or fp16, got '" + d + "'");
    }
    opt_str("vcd", o.vcd_path);
    opt_str("trace-json", o.trace_json_path);
    auto duration = [&vm](const char* flag, double& slot, bool positive) {
        if (!vm.count(flag)) return;
        const std::string text = vm[flag].as<std::string>();
        if (!parse_duration(text, slot) || (positive && slot <= 0))
            throw ConfigError(std::string("fusemax-sim: --") + flag + ": expected a " + (positive ? "positive " : "") +
                              "time with a unit of ps, ns, us, ms or s (at most 1000000 s), got '" + text + "'");
    };
    duration("trace-start", o.trace_start_s, false);
    duration("trace-stop", o.trace_stop_s, true);
    duration("quantum", o.quantum_s, true);
    if (o.trace_stop_s >= 0 && o.trace_stop_s <= o.trace_start_s)
        throw ConfigError("fusemax-sim: --trace-stop: must come after --trace-start");
    if (vm.count("max-memory")) o.max_memory = cli::size_bytes(vm, kTool, "max-memory");
    o.fault = vm.count("inject-fault") ? vm["inject-fault"].as<std::string>() : "none";
    fault_from_options(o);
    o.check = vm.count("no-check") == 0;
    o.fast_forward = vm.count("no-fast-forward") == 0;
    o.quiet = vm.count("quiet") > 0 || (o.stats_path && *o.stats_path == "-");  // the JSON is the output
    if (!o.functional && (o.q_path || o.a_path || o.out_path))
        throw ConfigError("fusemax-sim: --mode timing moves no values: --q/--k/--v/--a/--w/--out need --mode functional");
    if ((o.gemm || o.layer) && o.fault != "none")
        throw ConfigError("fusemax-sim: --inject-fault: breaks attention's cascade; it does not apply to --gemm/--layer");
    return o;
}

DatapathFault fault_from_options(const SimOptions& o) {
    if (o.fault == "none") return DatapathFault::None;
    if (o.fault == "rescale") return DatapathFault::Rescale;
    if (o.fault == "drop-key") return DatapathFault::DropKey;
    throw ConfigError("fusemax-sim: --inject-fault: expected none, rescale or drop-key, got '" + o.fault + "'");
}

SimOptions parse_sim_options_as(const std::string& tool, std::vector<std::string> args, std::string& help_text) {
    args.insert(args.begin(), tool);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    try {
        return parse_sim_options(static_cast<int>(argv.size()), argv.data(), help_text);
    } catch (const ConfigError& e) {
        throw ConfigError(retitled(e.what(), tool));
    }
}

std::string retitled(const std::string& message, const std::string& tool) {
    const std::string own = std::string(kTool) + ":";
    return message.rfind(own, 0) == 0 ? tool + ":" + message.substr(own.size()) : message;
}

ArchConfig arch_from_options(const SimOptions& o, const std::string& tool) {
    ArchConfig arch = load_arch_config(o.arch_path);
    apply_overrides(arch, o.hardware, tool);
    return arch;
}

Workload workload_from_options(const SimOptions& o) {
    Workload w;
    if (o.workload_path) {
        w = load_workload(*o.workload_path);
    } else {
        w.name = "BERT-Base";
        w.batch = 1;
        w.heads = 12;
        w.seq_q = w.seq_kv = 1024;
        w.head_dim = w.v_dim = 64;
        w.d_model = 768;
        w.ffn = 3072;
    }
    const bool custom = o.shape_flags_given() || o.scale;
    if (o.batch) w.batch = *o.batch;
    if (o.heads) w.heads = *o.heads;
    if (o.seq) w.seq_q = w.seq_kv = *o.seq;
    if (o.seq_q) w.seq_q = *o.seq_q;
    if (o.seq_kv) w.seq_kv = *o.seq_kv;
    if (o.head_dim) {
        w.head_dim = *o.head_dim;
        if (!o.v_dim) w.v_dim = *o.head_dim;
    }
    if (o.v_dim) w.v_dim = *o.v_dim;
    if (o.scale) w.scale = *o.scale;
    w.causal = w.causal || o.causal || o.window;
    if (o.window) w.window = *o.window;
    if (o.kv_heads) w.kv_heads = *o.kv_heads == w.heads ? 0 : *o.kv_heads;
    if (o.d_model) w.d_model = *o.d_model;
    if (o.ffn) w.ffn = *o.ffn;
    w.layer = w.layer || o.layer;
    if (custom && !o.workload_path) w.name = "custom";
    validate_workload(w, "fusemax-sim: shape flags");
    return w;
}

}  // namespace fusemax
