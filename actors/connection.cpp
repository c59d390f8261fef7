#include "actors/connection.hpp"

namespace timecoin::conn {

security::local_info local_info_now(const node_context& ctx) {
  auto local = ctx.local;
  auto tip = ctx.tip();
  local.best_height = tip.height;
  local.best_hash = tip.hash;
  // A node that fast-synced while running has no blocks below its snapshot
  // any more: it stops offering full history at once, not at its restart.
  if (tip.base_height > 0)
    local.services &= ~uint32_t{proto::service_full_history};
  return local;
}

proto::peers known_peers(const node_context& ctx, const std::string& asker) {
  proto::peers out;
  auto now = ctx.clock->unix_now();
  ctx.table->read([&](const peer_snapshot& s) {
    for (const auto& kv : s.by_id) {
      const auto& e = kv.second;
      if (e.listen_port == 0 || kv.first == asker)
        continue;
      if (out.entries.size() >= proto::max_peers_entries)
        break;
      out.entries.push_back(proto::peer_address{
        e.host, e.listen_port, e.node_id_raw, e.services, now});
    }
    return 0;
  });
  return out;
}

bool verify_share_full(const node_context& ctx, const conn_stats& stats) {
  const auto& q = *ctx.verify;
  return stats.verify_queued.load(std::memory_order_relaxed)
           >= verify_queue::max_count_per_peer
         || stats.verify_queued_bytes.load(std::memory_order_relaxed)
              >= verify_queue::max_bytes_per_peer
         || q.count.load(std::memory_order_relaxed) >= verify_queue::max_count
         || q.bytes.load(std::memory_order_relaxed) >= verify_queue::max_bytes;
}

frame_verdict admit_frame(conn_state& st, const proto::bytes& payload,
                          bool answer, caf::actor_clock::time_point now) {
  switch (st.guard->charge(now, answer ? 0 : payload.size())) {
    case conn_guard::verdict::pass: break;
    case conn_guard::verdict::drop:
      st.stats->rate_limited.fetch_add(1, std::memory_order_relaxed);
      if (st.guard->last_over_bytes()) {
        st.stats->bytes_limited.fetch_add(1, std::memory_order_relaxed);
        st.ctx->counters->frames_byte_limited.fetch_add(
          1, std::memory_order_relaxed);
      } else {
        st.ctx->counters->frames_rate_limited.fetch_add(
          1, std::memory_order_relaxed);
      }
      return frame_verdict::drop;
    case conn_guard::verdict::flood:
      st.stats->rate_limited.fetch_add(1, std::memory_order_relaxed);
      return frame_verdict::flood;
  }
  // Within the rate limits: shed frames are charged.
  if (!st.session->connected())
    return frame_verdict::pass;
  auto type = proto::peek_type(payload.data(), payload.size());
  if (!type || *type != static_cast<uint16_t>(proto::msg_type::gossip)
      || !verify_share_full(*st.ctx, *st.stats))
    return frame_verdict::pass;
  st.stats->messages_received.fetch_add(1, std::memory_order_relaxed);
  st.stats->verify_shed.fetch_add(1, std::memory_order_relaxed);
  st.ctx->counters->gossip_shed.fetch_add(1, std::memory_order_relaxed);
  return frame_verdict::drop;
}

} // namespace timecoin::conn
