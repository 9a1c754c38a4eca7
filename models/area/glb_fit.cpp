#include "fusemax/area/glb_fit.h"

#include <array>
#include <cmath>
#include <set>

namespace fusemax {
namespace {

// Least squares y = c0 + c1 x.
std::pair<double, double> line(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = double(x.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i];
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return {(sy - slope * sx) / n, slope};
}

// Solves the 3x3 normal equations of y = c0 + c1 u + c2 v by Cramer's rule.
std::optional<std::array<double, 3>> plane(const std::vector<double>& u, const std::vector<double>& v,
                                           const std::vector<double>& y) {
    double m[3][4] = {};
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double r[3] = {1, u[i], v[i]};
        for (int a = 0; a < 3; ++a) {
            for (int b = 0; b < 3; ++b) m[a][b] += r[a] * r[b];
            m[a][3] += r[a] * y[i];
        }
    }
    auto det = [](double a[3][3]) {
        return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
               a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    };
    double base[3][3];
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) base[a][b] = m[a][b];
    const double d = det(base);
    if (!(std::fabs(d) > 1e-12)) return std::nullopt;
    std::array<double, 3> c{};
    for (int k = 0; k < 3; ++k) {
        double t[3][3];
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) t[a][b] = b == k ? m[a][3] : m[a][b];
        c[k] = det(t) / d;
    }
    return c;
}

}  // namespace

std::optional<GlbEnergy> fit_glb_energy(const std::vector<GlbEnergy>& known, std::uint64_t capacity_bytes,
                                        std::uint64_t row_bits) {
    std::set<std::uint64_t> capacities;
    std::vector<double> c, read, write;
    for (const GlbEnergy& g : known) {
        if (!g.row_bits) continue;
        capacities.insert(g.capacity_bytes);
        c.push_back(double(g.capacity_bytes));
        read.push_back(g.read_pj / double(g.row_bits));
        write.push_back(g.write_pj / double(g.row_bits));
    }
    if (capacities.size() < 2) return std::nullopt;
    const auto [r0, r1] = line(c, read);
    const auto [w0, w1] = line(c, write);
    const double x = double(capacity_bytes);
    const double read_bit = r0 + r1 * x, write_bit = w0 + w1 * x;
    if (!(read_bit > 0) || !(write_bit > 0)) return std::nullopt;
    return GlbEnergy{capacity_bytes, row_bits, read_bit * double(row_bits), write_bit * double(row_bits)};
}

std::optional<double> fit_glb_area(const AreaTable& t, std::uint64_t capacity_bytes, std::uint64_t row_bits) {
    if (t.glb.size() < 3 || !capacity_bytes || !row_bits) return std::nullopt;
    std::vector<double> u, v, y;
    for (const auto& [key, um2] : t.glb) {
        u.push_back(std::log(double(key.first)));
        v.push_back(std::log(double(key.second)));
        y.push_back(std::log(um2));
    }
    const auto c = plane(u, v, y);
    if (!c) return std::nullopt;
    return std::exp((*c)[0] + (*c)[1] * std::log(double(capacity_bytes)) + (*c)[2] * std::log(double(row_bits)));
}

}  // namespace fusemax
