#include "actors/metrics.hpp"

#include <algorithm>

#include "config/process_memory.hpp"
#include "security/conn_limits.hpp"
#include "security/violations.hpp"

namespace timecoin {

const char* to_string(close_reason r) {
  switch (r) {
    case close_reason::local: return "local";
    case close_reason::peer_closed: return "peer_closed";
    case close_reason::peer_bye: return "peer_bye";
    case close_reason::peer_reject: return "peer_reject";
    case close_reason::violation: return "violation";
    case close_reason::send_queue_full: return "send_queue_full";
    case close_reason::no_first_bytes: return "no_first_bytes";
    case close_reason::handshake_timeout: return "handshake_timeout";
    case close_reason::ping_timeout: return "ping_timeout";
    case close_reason::tls_failure: return "tls_failure";
    case close_reason::count_: break;
  }
  return "unknown";
}

namespace {

using labels = std::vector<std::pair<std::string, std::string>>;

struct builder {
  metrics_snapshot out;

  void add(const char* name, const char* help, const char* type, labels l,
           double value) {
    out.push_back(metric_sample{name, help, type, std::move(l), value});
  }
  void counter(const char* name, const char* help, labels l,
               const std::atomic<uint64_t>& c) {
    add(name, help, "counter", std::move(l),
        static_cast<double>(c.load(std::memory_order_relaxed)));
  }
};

} // namespace

metrics_snapshot collect_metrics(const node_context& ctx,
                                 const std::vector<peer_info>& peers) {
  builder b;
  const auto& c = *ctx.counters;
  double inbound = 0, outbound = 0, send_queues = 0;
  uint64_t best = 0;
  auto load = [](const std::atomic<uint64_t>& x) {
    return static_cast<double>(x.load(std::memory_order_relaxed));
  };
  double bytes_in = load(c.closed_bytes_in);
  double bytes_out = load(c.closed_bytes_out);
  double msgs_in = load(c.closed_messages_in);
  double msgs_out = load(c.closed_messages_out);
  for (const auto& p : peers) {
    bytes_in += static_cast<double>(p.bytes_received);
    bytes_out += static_cast<double>(p.bytes_sent);
    msgs_in += static_cast<double>(p.messages_received);
    msgs_out += static_cast<double>(p.messages_sent);
    (p.inbound ? inbound : outbound) += 1;
    send_queues += static_cast<double>(p.send_queue_bytes);
    best = std::max(best, p.best_height);
  }
  const char* bytes_help
    = "Bytes sent and received on P2P connections (TLS included).";
  b.add("timecoin_traffic_bytes_total", bytes_help, "counter",
        {{"direction", "in"}}, bytes_in);
  b.add("timecoin_traffic_bytes_total", bytes_help, "counter",
        {{"direction", "out"}}, bytes_out);
  const char* msgs_help = "P2P messages sent and received.";
  b.add("timecoin_traffic_messages_total", msgs_help, "counter",
        {{"direction", "in"}}, msgs_in);
  b.add("timecoin_traffic_messages_total", msgs_help, "counter",
        {{"direction", "out"}}, msgs_out);
  const char* peers_help = "Connected peers, by direction.";
  b.add("timecoin_peers", peers_help, "gauge", {{"class", "inbound"}}, inbound);
  b.add("timecoin_peers", peers_help, "gauge", {{"class", "outbound"}},
        outbound);
  b.add("timecoin_max_connections", "The maxconnections setting.", "gauge", {},
        ctx.cfg.maxconnections);
  for (size_t i = 0; i < c.closed.size(); ++i)
    b.counter("timecoin_connections_closed_total",
              "Connections closed, by reason.",
              {{"reason", to_string(static_cast<close_reason>(i))}},
              c.closed[i]);
  const char* refused_help = "Inbound sockets refused before any TLS work.";
  b.counter("timecoin_inbound_refused_total", refused_help,
            {{"reason", "banned"}}, c.refused[0]);
  for (size_t i = 1; i < c.refused.size(); ++i) {
    auto r = static_cast<security::conn_limits::admit_result>(i);
    auto name = security::to_string(r);
    if (name == "unknown")
      continue;
    b.counter("timecoin_inbound_refused_total", refused_help,
              {{"reason", std::string{name}}}, c.refused[i]);
  }
  for (size_t i = 1; i < c.violations.size(); ++i) {
    auto name = security::to_string(static_cast<security::violation>(i));
    if (name == "unknown")
      continue;
    b.counter("timecoin_violations_total",
              "Protocol violations charged to peers, by kind.",
              {{"kind", std::string{name}}}, c.violations[i]);
  }
  b.counter("timecoin_bans_total", "Automatic bans made.", {}, c.bans);
  b.add("timecoin_banned_addresses", "Entries in the ban list.", "gauge", {},
        static_cast<double>(ctx.bans->count()));
  const char* gossip_help = "Gossip messages received, by outcome.";
  b.counter("timecoin_gossip_received_total", gossip_help,
            {{"result", "accepted"}}, c.gossip_accepted);
  b.counter("timecoin_gossip_received_total", gossip_help,
            {{"result", "duplicate"}}, c.gossip_duplicates);
  b.counter("timecoin_gossip_received_total", gossip_help,
            {{"result", "stale"}}, c.gossip_stale);
  b.counter("timecoin_gossip_received_total", gossip_help,
            {{"result", "invalid"}}, c.gossip_invalid);
  b.counter("timecoin_gossip_relayed_total", "Gossip frames queued to peers.",
            {}, c.gossip_relayed);
  const char* dropped_help = "Frames dropped over a rate limit, by budget.";
  b.counter("timecoin_frames_dropped_total", dropped_help,
            {{"budget", "frames"}}, c.frames_rate_limited);
  b.counter("timecoin_frames_dropped_total", dropped_help,
            {{"budget", "bytes"}}, c.frames_byte_limited);
  b.counter("timecoin_gossip_shed_total",
            "Gossip frames dropped undecoded: the verifier queue was full.", {},
            c.gossip_shed);
  b.add("timecoin_verify_queue_messages", "Gossip waiting for the verifiers.",
        "gauge", {},
        static_cast<double>(ctx.verify->count.load(std::memory_order_relaxed)));
  const char* memory_help = "Bytes held, by component.";
  b.add("timecoin_memory_bytes", memory_help, "gauge",
        {{"component", "send_queues"}}, send_queues);
  b.add("timecoin_memory_bytes", memory_help, "gauge",
        {{"component", "verify_queue"}},
        static_cast<double>(ctx.verify->bytes.load(std::memory_order_relaxed)));
  b.add("process_resident_memory_bytes", "Resident memory of the process.",
        "gauge", {}, static_cast<double>(read_resident_memory().rss));
  b.add("timecoin_chain_height", "Height of the local chain tip.", "gauge", {},
        static_cast<double>(ctx.tip().height));
  b.add("timecoin_peers_best_height",
        "Highest tip announced by a connected peer.", "gauge", {},
        static_cast<double>(best));
  return std::move(b.out);
}

} // namespace timecoin
