#pragma once

// The node's metrics as samples (internal header): counters kept by the
// actors in `node_counters`, queue depths, memory, heights.

#include <vector>

#include "actors/context.hpp"
#include "actors/node.hpp"

namespace timecoin {

/// Samples of `ctx`'s counters and gauges; `peers` are the connected peers
/// as the registry reports them.
metrics_snapshot collect_metrics(const node_context& ctx,
                                 const std::vector<peer_info>& peers);

} // namespace timecoin
