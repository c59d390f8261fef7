// timed: the TIME Coin node daemon.
//
// Exit status: 0 after a clean shutdown (or --help, --version); 1 for a
// configuration or startup error (one line "timed: error: ..." on stderr);
// 2 if shutdown was not clean (the node did not stop in time).

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/node.hpp"
#include "apps/metrics/metrics_server.hpp"
#include "apps/metrics/prometheus.hpp"
#include "apps/rpc/auth.hpp"
#include "apps/rpc/caf_backend.hpp"
#include "apps/rpc/dispatcher.hpp"
#include "apps/rpc/http_server.hpp"
#include "apps/timed/datadir.hpp"
#include "apps/timed/fd_limit.hpp"
#include "apps/timed/logging.hpp"
#include "apps/timed/shutdown.hpp"
#include "config/parser.hpp"
#include "timecoin/version.hpp"

namespace {

using namespace timecoin;

constexpr int exit_ok = 0;
constexpr int exit_error = 1;
constexpr int exit_unclean = 2;

/// CAF scheduler threads: the node's work is light; the I/O multiplexer has
/// its own thread, and the RPC server its own pool.
constexpr std::size_t scheduler_threads = 2;
/// The node gets this long to say BYE to its peers and exit ...
constexpr auto node_stop_timeout = std::chrono::seconds{4};
/// ... and the whole shutdown this long before the watchdog ends the process.
constexpr auto shutdown_deadline = std::chrono::seconds{5};

int fail(const std::string& message) {
  std::fprintf(stderr, "timed: error: %s\n", message.c_str());
  return exit_error;
}

/// Raises the open-file limit to what `cfg.maxconnections` needs, or lowers
/// `cfg.maxconnections` to what the limit allows, and logs either. Returns
/// the fatal message if not even one connection fits, else empty.
std::string fit_open_file_limit(node_config& cfg) {
  auto limit = raise_fd_limit(fds_needed(cfg.maxconnections));
  if (limit.error != 0 && limit.hard == 0) {
    spdlog::warn("cannot read the open-file limit ({}); maxconnections stays "
                 "{}",
                 std::strerror(limit.error), cfg.maxconnections);
    return {};
  }
  auto decision = decide_fd_budget(cfg.maxconnections, limit);
  if (limit.error != 0 && !decision.message.empty())
    decision.message += " (setrlimit: "
                        + std::string{std::strerror(limit.error)} + ")";
  if (decision.maxconnections == 0)
    return decision.message;
  if (decision.reduced)
    spdlog::warn("{}", decision.message);
  else if (!decision.message.empty())
    spdlog::info("{}", decision.message);
  cfg.maxconnections = decision.maxconnections;
  return {};
}

/// Sends `stop` and waits for the node actor to terminate.
bool stop_node(caf::actor_system& sys, const node_actor& node) {
  caf::scoped_actor self{sys};
  self->monitor(node);
  self->send(node, stop_atom::value);
  bool stopped = false;
  self->receive([&](const caf::down_msg&) { stopped = true; },
                caf::after(node_stop_timeout) >>
                  [&] {
                    spdlog::error("the node did not stop within {} s; killing "
                                  "it",
                                  node_stop_timeout.count());
                    caf::anon_send_exit(node, caf::exit_reason::kill);
                  });
  return stopped;
}

std::string address(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos
           ? "[" + host + "]:" + std::to_string(port)
           : host + ":" + std::to_string(port);
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1";
}

/// Scrapes for the metrics endpoint: the node's samples, rendered.
metrics::scrape_fn node_scrape(rpc::node_backend& backend) {
  return [&backend]() -> result<std::string, metrics::scrape_error> {
    auto samples = backend.metrics();
    if (!samples)
      return metrics::scrape_error{samples.error().message};
    return metrics::render_prometheus(*samples);
  };
}

/// Runs the node until asked to stop. `guard` is armed at shutdown and
/// outlives the actor system, whose destructor waits for every actor.
int run(const node_config& cfg, const std::string& conf_file,
        std::optional<watchdog>& guard) {
  auto started = std::chrono::steady_clock::now();
  caf::actor_system_config sys_cfg;
  configure_actor_system(sys_cfg);
  sys_cfg.set("scheduler.max-threads", scheduler_threads);
  caf::actor_system sys{sys_cfg};

  auto node = spawn_node(sys, cfg);
  if (!node)
    return fail("cannot start the node: " + error_message(sys, node.error()));

  shutdown_request shutdown;
  rpc::caf_backend backend{sys, node->actor(),
                           [&shutdown] { shutdown.request("RPC stop"); }};
  rpc::dispatcher dispatch{backend, started};
  std::unique_ptr<rpc::http_server> server;
  auto cookie_path = std::filesystem::path{cfg.data_dir()}
                     / std::string{rpc::cookie_file_name};
  std::unique_ptr<metrics::metrics_server> metrics_endpoint;
  int rc = exit_ok;
  bool cookie_written = false;
  std::string rpc_text = "off";
  std::string metrics_text;
  // Bind every port first, write the cookie after: a second daemon that
  // cannot bind must not overwrite the running one's cookie.
  std::string cookie;
  // A cookie left by a node that did not stop cleanly names no server. The
  // node holds the data directory now, so it is this node's to remove: a
  // client then waits for the new one (time-cli --rpcwait) instead of
  // offering the old.
  std::error_code stale_ec;
  if (std::filesystem::remove(cookie_path, stale_ec))
    spdlog::info("removed {} left by an earlier run", cookie_path.string());
  if (cfg.server) {
    auto made = rpc::make_cookie();
    result<uint16_t, rpc::server_error> port = rpc::server_error{};
    if (!made) {
      port = rpc::server_error{"cannot make the RPC cookie: "
                               + made.error().message};
    } else {
      cookie = *made;
      server = std::make_unique<rpc::http_server>(
        cookie,
        [&dispatch](const rpc::rpc_request& req) { return dispatch(req); });
      port = server->start(cfg.rpcbind, cfg.rpc_port());
    }
    if (!port)
      rc = fail(port.error().message);
    else
      rpc_text = address(cfg.rpcbind, *port);
  }
  if (rc == exit_ok && cfg.metricsport != 0) {
    metrics_endpoint = std::make_unique<metrics::metrics_server>(
      node_scrape(backend));
    auto port = metrics_endpoint->start(cfg.metricsbind, cfg.metricsport);
    if (!port)
      rc = fail(port.error().message);
    else
      metrics_text = ", metrics http://" + address(cfg.metricsbind, *port)
                     + "/metrics";
  }
  if (rc == exit_ok && cfg.server) {
    if (auto ok = rpc::write_cookie(cookie_path.string(), cookie); !ok)
      rc = fail(ok.error().message);
    else
      cookie_written = true;
  }
  if (rc == exit_ok) {
    auto p2p = cfg.listen ? address(cfg.bind, node->p2p_port())
                          : std::string{"not listening"};
    spdlog::info("timed started: node {} on {}, P2P {}, RPC {}{}{}",
                 node->node_id(), proto::params(cfg.net).name, p2p, rpc_text,
                 metrics_text,
                 conf_file.empty() ? "" : ", config " + conf_file);
    if (cfg.server && !is_loopback(cfg.rpcbind))
      spdlog::warn("RPC listens on {} without TLS: the cookie crosses the "
                   "network in clear",
                   cfg.rpcbind);
    if (metrics_endpoint && !is_loopback(cfg.metricsbind))
      spdlog::warn("metrics are served on {} to anyone who can connect (no "
                   "authentication)",
                   cfg.metricsbind);
    spdlog::info("shutting down ({})", shutdown.wait());
  }
  guard.emplace(shutdown_deadline, exit_unclean);
  if (!stop_node(sys, node->actor()) && rc == exit_ok)
    rc = exit_unclean;
  if (server)
    server->stop();
  if (metrics_endpoint)
    metrics_endpoint->stop();
  std::error_code ec;
  if (cookie_written)
    std::filesystem::remove(cookie_path, ec);
  if (rc == exit_ok)
    spdlog::info("timed stopped");
  return rc;
}

/// `main` without its last resort (see `main`).
int run_main(int argc, char** argv) {
  block_shutdown_signals();
  auto args = parse_command_line(argc, argv);
  if (!args)
    return fail(args.error().message);
  if (args->help) {
    std::fputs(usage().c_str(), stdout);
    return exit_ok;
  }
  if (args->version) {
    std::printf("timed %.*s\n", static_cast<int>(version.size()),
                version.data());
    return exit_ok;
  }
  // Before the log file, for which spdlog would create the directory 0755.
  auto datadir = prepare_datadir(args->config.data_dir());
  if (!datadir.error.empty())
    return fail(datadir.error);
  if (auto ok = setup_logging(args->config); !ok)
    return fail(ok.error().message);
  if (!datadir.warning.empty())
    spdlog::warn("{}", datadir.warning);
  if (auto fatal = fit_open_file_limit(args->config); !fatal.empty()) {
    spdlog::shutdown();
    return fail(fatal);
  }
  std::optional<watchdog> guard;
  int rc = run(args->config, args->conf_file, guard);
  spdlog::shutdown();
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  // The last resort: an exception that reaches this far (out of memory at
  // start, a library's surprise) ends the daemon with its message and exit
  // code 1, not with std::terminate's abort and core dump.
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    return fail(std::string{"fatal: "} + e.what());
  } catch (...) {
    return fail("fatal: unknown exception");
  }
}
