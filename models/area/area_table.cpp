#include "fusemax/area/area_table.h"

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"

namespace fusemax {
namespace {

AreaTable parse_area_table(const std::string& path, const std::string& what) {
    const YamlMap doc(load_yaml_file(path, what), path, "");
    doc.only_keys({"name", "source", "units", "reg_file", "glb"});
    AreaTable t;
    t.name = doc.string("name");
    t.source = doc.string("source", "");
    const YamlMap units = doc.map("units");
    for (const auto& kv : units.node()) {
        const std::string unit = kv.first.as<std::string>();
        t.units[unit] = units.positive_number(unit);
    }
    for (const YAML::Node& n : doc.list("reg_file")) {
        const YamlMap m(n, path, "reg_file");
        m.only_keys({"depth", "area_um2"});
        t.reg_file[m.positive_int("depth")] = m.positive_number("area_um2");
    }
    for (const YAML::Node& n : doc.list("glb")) {
        const YamlMap m(n, path, "glb");
        m.only_keys({"capacity_bytes", "row_bits", "area_um2"});
        t.glb[{m.positive_int("capacity_bytes"), m.positive_int("row_bits")}] = m.positive_number("area_um2");
    }
    return t;
}

}  // namespace

AreaTable load_area_table(const std::string& path, const std::string& what) {
    try {
        return parse_area_table(path, what);
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

}  // namespace fusemax
