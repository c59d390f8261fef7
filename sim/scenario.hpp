#pragma once

// A simulation scenario: how long to run, the network to build, and the
// events to play (publish messages, generate blocks, partition and heal the
// network, stop, restart and add nodes), read from a JSON file.
//
//   {
//     "name": "partition-heal",            // optional, echoed in the report
//     "description": "...",                // optional
//     "duration": "60s",                   // required: simulated run time
//     "seed": 42,                          // optional: the driver's otherwise
//     "network": {                         // optional, every field too
//       "nodes": 1000, "degree": 8,
//       "latency": "50ms", "jitter": "10ms", "bandwidth": "100Mbit"
//     },
//     "events": [                          // optional; any order
//       {"at": "5s",  "publish": {"count": 100, "interval": "10ms",
//                                 "kind": 1024, "bytes": 200, "from": 3}},
//       {"at": "10s", "generate": {"blocks": 3, "interval": "1s"}},
//       {"at": "12s", "partition": {"groups": 2}},
//       {"at": "20s", "heal": {}},
//       {"at": "25s", "stop": {"nodes": 10}},
//       {"at": "30s", "start": {"nodes": 10}},
//       {"at": "35s", "add": {"nodes": 20, "bootstrap": "seed"}}
//     ]
//   }
//
// Comments (// and /* */) are allowed. Durations and bandwidths are written
// as sim/duration.hpp reads them; "at" is the time since the start of the
// run. Node 0 is the block producer and the seed new nodes may bootstrap
// from; nodes are numbered 0..N−1 in the order they were started or added.
//
// Actions, one per event:
// - publish: `count` gossip messages of gossip `kind` with `bytes` of
//   payload, one every `interval`, from node `from` (absent: a random live
//   node for each message). Defaults: count 1, interval 10ms, kind 1024 (the
//   first application kind: any payload propagates), bytes 200.
// - generate: the producer makes `blocks` blocks, one every `interval`
//   (default 1s).
// - partition: splits the network into groups; links between groups are cut.
//   Exactly one of `groups` (k groups of nearly equal size, drawn at random),
//   `sizes` (groups of these sizes, drawn at random) or `ids` (lists of node
//   ids). Nodes that `sizes` or `ids` leave out form one more group. A new
//   partition replaces the one in force. Virtual time only: real time
//   refuses a scenario with partitions or heals.
// - heal: joins every group again (nothing if there is no partition).
// - stop: stops `nodes` random live nodes other than the producer, or the
//   nodes listed in `ids`.
// - start: restarts `nodes` random stopped nodes, or those listed in `ids`.
// - add: starts `nodes` new nodes; `bootstrap` says what they know: "seed"
//   (node 0 only, the default) or "random" (as many random live nodes as the
//   topology's degree).
//
// Checked when read: unknown keys anywhere, a key given twice, a wrong type,
// a value out of its bounds, an event (or its last message or block) past
// the duration, more than `max_sim_messages` messages or `max_sim_blocks`
// blocks in all. Node ids and counts are checked against the number of
// nodes when it is known (`network.nodes`, or `check_nodes`); which nodes
// are live is the driver's to check while it runs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace timecoin::sim {

/// A scenario file larger than this is not a scenario: a thousand-node
/// partition listed id by id is about 6 KB.
constexpr std::size_t max_scenario_file_bytes = 1024 * 1024;
/// JSON nested deeper than this is refused before it is parsed; the format's
/// deepest value (`events[i].partition.ids[j][k]`) is at depth 6.
constexpr std::size_t max_scenario_depth = 16;
/// The most events in a scenario: a thousand a simulated second for ten
/// seconds is beyond any test; more is a generated file gone wrong.
constexpr std::size_t max_scenario_events = 10'000;
/// The longest simulated run: a day. Longer runs are soak tests, run for
/// real, not simulated.
constexpr auto max_scenario_duration = std::chrono::hours{24};
/// The longest `name` or `description`.
constexpr std::size_t max_scenario_text_chars = 4096;
/// The largest gossip payload: a block's, the 8 MiB frame less 1 KiB for the
/// envelope (docs/PROTOCOL.md, "Gossip payload limits"). Smaller limits per
/// kind are the node's to enforce, and the simulation may test them.
constexpr uint32_t max_publish_bytes = 8 * 1024 * 1024 - 1024;

/// A steady load, not a burst: a hundred messages a second.
constexpr auto default_publish_interval = std::chrono::milliseconds{10};
/// The first gossip kind free for applications: delivered as bytes,
/// unchecked, so any filler payload propagates.
constexpr uint16_t default_publish_kind = 1024;
/// About the size of a transaction.
constexpr uint32_t default_publish_bytes = 200;
/// One block a second: each has time to spread before the next.
constexpr auto default_block_interval = std::chrono::seconds{1};

/// Gossip messages published by one node or random live nodes.
struct publish_event {
  uint32_t count = 1;
  std::chrono::microseconds interval{default_publish_interval};
  uint16_t kind = default_publish_kind;
  uint32_t bytes = default_publish_bytes;
  /// The publishing node; unset: a random live node for each message.
  std::optional<uint32_t> from;
};

/// Blocks made by the producer (node 0).
struct generate_event {
  uint32_t blocks = 1;
  std::chrono::microseconds interval{default_block_interval};
};

/// A split of the network; exactly one of the three forms is set.
struct partition_event {
  uint32_t groups = 0;                    ///< k random groups, or 0
  std::vector<uint32_t> sizes;            ///< random groups of these sizes
  std::vector<std::vector<uint32_t>> ids; ///< groups listed by node id
};

/// The end of the partition in force.
struct heal_event {};

/// Which nodes a stop or start acts on: `count` random ones, or `ids`.
struct node_selection {
  uint32_t count = 0;        ///< used when `ids` is empty
  std::vector<uint32_t> ids; ///< these nodes, in this order
};

/// Nodes stopped (random ones never include the producer).
struct stop_event {
  node_selection nodes;
};

/// Stopped nodes started again.
struct start_event {
  node_selection nodes;
};

/// What a node added during the run knows of the network.
enum class bootstrap_mode : uint8_t {
  seed = 1,   ///< node 0 only
  random = 2, ///< as many random live nodes as the topology's degree
};

/// New nodes joining.
struct add_event {
  uint32_t nodes = 1;
  bootstrap_mode bootstrap = bootstrap_mode::seed;
};

/// What an event does.
using action = std::variant<publish_event, generate_event, partition_event,
                            heal_event, stop_event, start_event, add_event>;

/// The key an action has in the file ("publish", "heal", ...).
std::string_view action_name(const action& what);

/// One scheduled event.
struct event {
  std::chrono::microseconds at{0}; ///< since the start of the run
  action what;
  std::size_t index = 0; ///< its place in the file's "events" array
};

/// The network a scenario asks for; unset fields take the driver's values.
struct network_spec {
  std::optional<uint32_t> nodes;
  std::optional<uint32_t> degree;
  std::optional<std::chrono::microseconds> latency; ///< one way, per link
  std::optional<std::chrono::microseconds> jitter;  ///< ± around `latency`
  std::optional<uint64_t> bandwidth_bps;            ///< per link
};

/// A whole scenario. `events` are sorted by time; events at the same time
/// keep their order in the file.
struct scenario {
  std::string name;
  std::string description;
  std::chrono::microseconds duration{0};
  std::optional<uint64_t> seed;
  network_spec network;
  std::vector<event> events;
};

/// Why a scenario was refused.
enum class scenario_errc : uint8_t {
  unreadable = 1,     ///< the file cannot be read
  too_large = 2,      ///< over `max_scenario_file_bytes`
  too_deep = 3,       ///< nested deeper than `max_scenario_depth`
  bad_json = 4,       ///< not JSON (empty, truncated, binary)
  duplicate_key = 5,  ///< a key given twice in one object
  bad_type = 6,       ///< a value of the wrong JSON type
  missing_key = 7,    ///< a required key is absent
  unknown_key = 8,    ///< a key the format does not have (a typo)
  bad_value = 9,      ///< a malformed duration, bandwidth or name
  out_of_range = 10,  ///< a number or count outside its bounds
  past_duration = 11, ///< an event, message or block after the end
  bad_node = 12,      ///< a node id or count the network cannot have
};

/// A refused scenario: where (`events[3].publish.count`) and why.
struct scenario_error {
  scenario_errc code = scenario_errc::bad_json;
  std::string where;   ///< the JSON path; empty for the whole file
  std::string message; ///< one line: "events[3].publish.count: ..."
};

/// Reads a scenario from JSON text as described above.
result<scenario, scenario_error> parse_scenario(std::string_view text);

/// Reads the scenario file at `path`.
result<scenario, scenario_error> load_scenario(const std::string& path);

/// Checks node ids and counts against a network that starts with `nodes`
/// nodes (growing with each `add`): ids and `from` name existing nodes,
/// random stops leave the producer, partitions fit. Done by
/// `parse_scenario` when the file gives `network.nodes`.
result<void, scenario_error> check_nodes(const scenario& s, std::size_t nodes);

/// The scenario run when none is given: 100 messages of 200 bytes, one every
/// 100 ms from 10 s on (when the network has formed), in a 60 s run.
scenario default_scenario();

/// `s` as a scenario file (every default written out, events in time order,
/// durations in their exact shortest unit); `parse_scenario` reads it back
/// to the same scenario. For the report, which echoes what it ran.
nlohmann::json to_json(const scenario& s);

/// Messages the scenario publishes in all.
std::size_t message_count(const scenario& s);

/// Blocks the scenario generates in all.
std::size_t block_count(const scenario& s);

} // namespace timecoin::sim
