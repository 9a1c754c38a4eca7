#include "fusemax/energy/energy_table.h"

#include <stdexcept>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"

namespace fusemax {
namespace {

ComputeEnergy read_compute(const YamlMap& m) {
    m.only_keys({"mac", "add", "max", "exp", "divide"});
    ComputeEnergy c;
    auto opt = [&](const char* key, std::optional<double>& slot) {
        if (m.has(key)) slot = m.positive_number(key);
    };
    opt("mac", c.mac);
    opt("add", c.add);
    opt("max", c.max);
    opt("exp", c.exp);
    opt("divide", c.divide);
    return c;
}

}  // namespace

double EnergyTable::compute_pj(ArrayKind a, const ActionCounts& n) const {
    const ComputeEnergy& e = compute(a);
    auto price = [](std::uint64_t count, const std::optional<double>& pj) {
        if (count == 0) return 0.0;
        if (!pj) throw std::logic_error("energy table has no price for a counted action");
        return static_cast<double>(count) * *pj;
    };
    return price(n.mac, e.mac) + price(n.add, e.add) + price(n.max, e.max) + price(n.exp, e.exp) +
           price(n.divide, e.divide);
}

std::optional<std::string> EnergyTable::missing_action(ArrayKind a, const ActionCounts& k) const {
    const ComputeEnergy& e = compute(a);
    if (k.mac && !e.mac) return "mac";
    if (k.add && !e.add) return "add";
    if (k.max && !e.max) return "max";
    if (k.exp && !e.exp) return "exp";
    if (k.divide && !e.divide) return "divide";
    return std::nullopt;
}

std::vector<GlbEnergy> load_glb_energy_table(const std::string& path, const std::string& what) {
    try {
        const YamlMap doc(load_yaml_file(path, what), path, "");
        doc.only_keys({"name", "source", "glb"});
        std::vector<GlbEnergy> out;
        for (const YAML::Node& n : doc.list("glb")) {
            const YamlMap m(n, path, "glb");
            m.only_keys({"capacity_bytes", "row_bits", "read", "write"});
            out.push_back({m.positive_int("capacity_bytes"), m.positive_int("row_bits"), m.positive_number("read"),
                           m.positive_number("write")});
        }
        return out;
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

static EnergyTable parse_energy_table(const std::string& path, const std::string& what);

EnergyTable load_energy_table(const std::string& path, const std::string& what) {
    try {
        return parse_energy_table(path, what);
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

static EnergyTable parse_energy_table(const std::string& path, const std::string& what) {
    const YamlMap doc(load_yaml_file(path, what), path, "");
    doc.only_keys({"name", "source", "dram", "glb", "pe2d", "pe1d", "covers"});
    EnergyTable t;
    t.name = doc.string("name");
    t.source = doc.string("source", "");
    const YamlMap dram = doc.map("dram");
    dram.only_keys({"read", "write"});
    t.dram_read_pj = dram.positive_number("read");
    t.dram_write_pj = dram.positive_number("write");
    const YamlMap glb = doc.map("glb");
    glb.only_keys({"read", "write"});
    t.glb_read_pj = glb.positive_number("read");
    t.glb_write_pj = glb.positive_number("write");
    t.pe2d = read_compute(doc.map("pe2d"));
    t.pe1d = read_compute(doc.map("pe1d"));
    if (doc.has("covers")) {
        const YamlMap c = doc.map("covers");
        c.only_keys({"glb_bytes", "glb_row_bits", "pe2d_instances", "pe2d_reg_depth", "pe1d_instances",
                     "pe1d_reg_depth"});
        EnergyCovers& v = t.covers;
        v.glb_bytes = c.positive_int("glb_bytes");
        v.glb_row_bits = c.positive_int("glb_row_bits");
        v.pe2d_instances = c.positive_int("pe2d_instances");
        v.pe2d_reg_depth = c.positive_int("pe2d_reg_depth");
        v.pe1d_instances = c.positive_int("pe1d_instances");
        v.pe1d_reg_depth = c.positive_int("pe1d_reg_depth");
    }
    return t;
}

}  // namespace fusemax
