#pragma once

// Deterministic actor tests: CAF's test coordinator (virtual time) and test
// multiplexer (no sockets), driven by hand.

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/network/test_multiplexer.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/context.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "protocol/network.hpp"

namespace timecoin::test {

/// A fresh, empty directory under the system's temp directory.
inline std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path()
             / ("timecoin-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// A logger that drops everything (tests assert, they do not read logs).
inline std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>(
    "test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// A node context for one connection under test, without TLS.
inline std::shared_ptr<node_context> make_context() {
  auto ctx = std::make_shared<node_context>();
  ctx->cfg.tls = false;
  ctx->net = &proto::params(proto::network::devnet);
  ctx->key = security::node_key::generate();
  ctx->node_id_hex = proto::to_hex(ctx->key.public_key());
  ctx->table = std::make_shared<peer_table>();
  ctx->local.magic = ctx->net->magic;
  ctx->local.network = ctx->net->name;
  ctx->local.user_agent = "/test/";
  ctx->log = quiet_logger();
  return ctx;
}

struct net_fixture {
  struct config : caf::actor_system_config {
    config() {
      set("scheduler.policy", caf::atom("testing"));
      set("middleman.network-backend", caf::atom("testing"));
      set("middleman.manual-multiplexing", true);
      set("middleman.workers", size_t{0});
      load<caf::io::middleman, caf::io::network::test_multiplexer>();
    }
  };

  config cfg;
  caf::actor_system sys{cfg};
  caf::io::network::test_multiplexer& mpx
    = dynamic_cast<caf::io::network::test_multiplexer&>(
      sys.middleman().backend());
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  /// Fires every timer still pending (their messages reach dead actors and
  /// are dropped), so that no scheduled message outlives the test holding a
  /// reference to its actor.
  ~net_fixture() {
    for (int i = 0; i < 1000 && !sched.clock().schedule().empty(); ++i) {
      sched.clock().advance_time(sched.clock().schedule().begin()->first
                                 - sched.clock().now());
      settle();
    }
  }

  /// Runs brokers and actors until nothing moves.
  void settle() {
    for (int i = 0; i < 1000; ++i) {
      bool moved = mpx.try_exec_runnable();
      moved |= sched.run() > 0;
      if (!moved)
        return;
    }
  }

  /// Advances virtual time, firing due timers, then settles.
  void advance(caf::timespan d) {
    sched.clock().advance_time(d);
    settle();
  }

  /// Takes whatever the actor side wrote to `hdl`.
  proto::bytes written(caf::io::connection_handle hdl) {
    auto& out = mpx.output_buffer(hdl);
    proto::bytes result(out.begin(), out.end());
    out.clear();
    return result;
  }

  /// Delivers `bytes` as if the remote side had sent them on `hdl`.
  void deliver(caf::io::connection_handle hdl, const proto::bytes& bytes) {
    caf::io::network::test_multiplexer::buffer_type buf(bytes.begin(),
                                                        bytes.end());
    mpx.virtual_send(hdl, buf);
    settle();
  }
};

/// Decodes every whole frame in `wire`.
inline std::vector<proto::message> frames_of(const proto::bytes& wire) {
  std::vector<proto::message> out;
  proto::frame_decoder dec{proto::max_frame_bytes};
  dec.feed(wire.data(), wire.size());
  proto::bytes payload;
  while (dec.next(payload) == proto::frame_status::frame) {
    auto msg = proto::decode(payload);
    if (msg)
      out.push_back(*msg);
  }
  return out;
}

} // namespace timecoin::test
