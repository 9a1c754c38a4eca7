#include "fusemax/explore/pareto.h"

namespace fusemax {

bool weakly_dominates(const Costs& a, const Costs& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] > b[i]) return false;
    return true;
}

bool dominates(const Costs& a, const Costs& b) { return weakly_dominates(a, b) && a != b; }

std::vector<std::size_t> pareto_front(const std::vector<Costs>& points) {
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < points.size(); ++i) {
        bool dominated = false;
        for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = j != i && dominates(points[j], points[i]);
        if (!dominated) front.push_back(i);
    }
    return front;
}

bool bound_dominated(const Costs& bound, const std::vector<Costs>& simulated) {
    for (const Costs& s : simulated)
        if (weakly_dominates(s, bound)) return true;
    return false;
}

}  // namespace fusemax
