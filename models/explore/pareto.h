#pragma once
#include <array>
#include <cstddef>
#include <vector>

namespace fusemax {

// Costs of a design point, all minimised: latency (s), energy (pJ), area (um^2).
using Costs = std::array<double, 3>;

// `a` is at least as good as `b` in every cost.
bool weakly_dominates(const Costs& a, const Costs& b);
// ...and strictly better in one.
bool dominates(const Costs& a, const Costs& b);

// Indices of the points no other point dominates (ties all kept), in index order. O(n^2); the
// explorer's fronts are thousands of points at most.
std::vector<std::size_t> pareto_front(const std::vector<Costs>& points);

// Where `bound` (lower bounds on a point's costs) is weakly dominated by a point already
// simulated: the point cannot improve the front, so it need not be simulated.
bool bound_dominated(const Costs& bound, const std::vector<Costs>& simulated);

}  // namespace fusemax
