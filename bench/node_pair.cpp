#include "bench/node_pair.hpp"

#include <filesystem>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "actors/atoms.hpp"
#include "actors/connector.hpp"
#include "actors/context.hpp"
#include "actors/node_internal.hpp"
#include "actors/peer_connection.hpp"
#include "bench/bench_node.hpp"
#include "protocol/codec.hpp"

namespace timecoin::bench {

namespace {

using namespace std::chrono_literals;

/// Connecting and the handshake take milliseconds on loopback.
constexpr auto setup_timeout = 10s;
/// Between two polls of B's counter the benchmark sleeps this long, leaving
/// both cores to the actors it measures (it bounds the timing error).
constexpr auto poll_interval = 1ms;
/// Frames the sender lets wait in the connection's mailbox and backlog:
/// under the connection's send queue bound (4,096 messages), past which it
/// disconnects its peer as one that does not read.
constexpr uint64_t max_in_flight_frames = 2048;

/// Node A's context, as `spawn_node` builds it (fresh key, not listening).
std::shared_ptr<node_context> make_sender_context(bool tls) {
  auto ctx = std::make_shared<node_context>();
  ctx->cfg.tls = tls;
  ctx->cfg.listen = false;
  ctx->net = &proto::params(ctx->cfg.net);
  ctx->key = security::node_key::generate();
  ctx->node_id_hex = proto::to_hex(ctx->key.public_key());
  if (tls) {
    auto t = security::tls_context::make(ctx->key);
    if (!t)
      throw std::runtime_error("TLS setup failed: " + t.error());
    ctx->tls = *t;
  }
  ctx->table = std::make_shared<peer_table>();
  ctx->local.magic = ctx->net->magic;
  ctx->local.network = ctx->net->name;
  ctx->local.user_agent = "/timecoin-bench:0.1.0/";
  ctx->log = node_logger("bench");
  return ctx;
}

/// Stands in for A's registry and node actor: accepts the connection's
/// registration and tells `observer` which actor registered.
caf::behavior registry_tap(caf::event_based_actor* self, caf::actor observer) {
  self->set_default_handler(caf::drop);
  return {
    [=](register_atom, const conn_record& rec) {
      self->send(observer, caf::actor_cast<caf::actor>(self->current_sender()),
                 rec);
      return uint16_t{0};
    },
  };
}

} // namespace

node_pair::node_pair(caf::actor_system& sys, bool tls, const std::string& tag)
  : sys_(sys), tls_(tls) {
  dir_ = (std::filesystem::temp_directory_path()
          / ("timecoin-bench-" + tag + "-" + std::to_string(::getpid())))
           .string();
  std::filesystem::remove_all(dir_);
  node_config cfg;
  cfg.datadir = dir_;
  cfg.port = 0;
  cfg.port_set = true;
  cfg.tls = tls;
  // The frames are unsigned GOSSIP envelopes sent as fast as the connection
  // takes them: measure transport, not the rate limiter or the verifiers.
  cfg.enable_rate_limiting = false;
  cfg.enable_message_signing = false;
  node_options opts;
  opts.log = node_logger("bench");
  auto b = spawn_node(sys, cfg, opts);
  if (!b)
    throw std::runtime_error("node B: " + sys.render(b.error()));
  b_ = *b;

  caf::scoped_actor self{sys};
  tap_ = sys.spawn(registry_tap, caf::actor{self});
  const auto target = "127.0.0.1:" + std::to_string(b_.p2p_port());
  auto fd = connect_with_timeout(*parse_peer_address(target), connect_timeout);
  if (!fd)
    throw std::runtime_error("connect to node B: " + fd.error());
  conn_params params;
  params.role = security::conn_role::dialer;
  params.target = target;
  params.registry = tap_;
  params.node = tap_;
  spawn_on_socket(sys, *fd, make_sender_context(tls), std::move(params));
  self->receive(
    [&](caf::actor& conn, conn_record& rec) {
      conn_ = std::move(conn);
      sender_stats_ = rec.stats;
    },
    caf::after(setup_timeout) >> [] {});
  if (!conn_)
    throw std::runtime_error("handshake with node B did not complete");
  // B registers its side on its own; wait for it too.
  auto deadline = bench_clock::now() + setup_timeout;
  while (b_.connected_count() == 0 && bench_clock::now() < deadline)
    std::this_thread::sleep_for(poll_interval);
  if (b_.connected_count() == 0)
    throw std::runtime_error("node B did not register the connection");
}

node_pair::~node_pair() {
  caf::scoped_actor self{sys_};
  if (conn_) {
    self->monitor(conn_);
    self->send(conn_, bye_atom::value, std::string{"benchmark done"});
    self->receive([](caf::down_msg&) {}, caf::after(setup_timeout) >> [] {});
  }
  self->monitor(b_.actor());
  self->send(b_.actor(), stop_atom::value);
  self->receive([](caf::down_msg&) {}, caf::after(setup_timeout) >> [] {});
  caf::anon_send_exit(tap_, caf::exit_reason::user_shutdown);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

uint64_t node_pair::received() {
  caf::scoped_actor self{sys_};
  uint64_t n = 0;
  self->request(b_.actor(), setup_timeout, peers_atom::value)
    .receive(
      [&](const std::vector<peer_info>& peers) {
        for (const auto& p : peers)
          n += p.messages_received;
      },
      [](caf::error&) {});
  return n;
}

result_row run_node_throughput(node_pair& pair, const proto::message& msg,
                               uint64_t frames,
                               std::chrono::milliseconds timeout) {
  const auto base = pair.received();
  const auto& conn = pair.conn();
  auto shared = std::make_shared<const proto::message>(msg);
  const auto& encoded = pair.sender_stats().messages_sent;
  const auto encoded_base = encoded.load();
  const auto start = bench_clock::now();
  const auto deadline = start + timeout;
  for (uint64_t i = 0; i < frames; ++i) {
    // A sender that respects backpressure: at most `max_in_flight_frames`
    // sent and not yet encoded by the connection.
    // Other messages (a PING, a PONG) count as encoded too: `sent` may
    // run ahead of `i`.
    for (;;) {
      auto sent = encoded.load(std::memory_order_relaxed) - encoded_base;
      if (sent >= i || i - sent < max_in_flight_frames
          || bench_clock::now() >= deadline)
        break;
      std::this_thread::yield();
    }
    caf::anon_send(conn, send_atom::value, shared);
  }
  uint64_t got = 0;
  auto now = start;
  bool lost = false;
  for (;;) {
    // Fewer than before: B no longer lists the connection.
    auto total = pair.received();
    lost = total < base;
    got = lost ? got : total - base;
    now = bench_clock::now();
    if (lost || got >= frames || now >= deadline)
      break;
    std::this_thread::sleep_for(poll_interval);
  }
  result_row row;
  row.payload_bytes = std::get<proto::gossip>(msg.content).payload.size();
  row.frame_bytes = proto::encode_frame(msg).size();
  row.mode = std::string{"node A -> B over loopback, "}
             + (pair.tls() ? "tls=1" : "tls=0");
  row.frames = got;
  row.seconds = std::chrono::duration<double>(now - start).count();
  if (lost)
    row.note = "connection lost after " + std::to_string(got) + " frames";
  else if (got < frames)
    row.note = "timeout: " + std::to_string(got) + "/" + std::to_string(frames)
               + " arrived";
  return row;
}

} // namespace timecoin::bench
