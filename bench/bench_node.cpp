#include "bench/bench_node.hpp"

#include <cstdlib>
#include <filesystem>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "actors/node_internal.hpp"

namespace timecoin::bench {

void configure_node_system(caf::actor_system_config& cfg) {
  configure_actor_system(cfg);
  cfg.set("scheduler.max-threads", scheduler_threads);
}

std::shared_ptr<spdlog::logger> node_logger(const std::string& name) {
  if (std::getenv("TIMECOIN_BENCH_LOG") != nullptr) {
    auto log = std::make_shared<spdlog::logger>(
      name, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    log->set_level(spdlog::level::debug);
    return log;
  }
  return std::make_shared<spdlog::logger>(
    name, std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string fresh_datadir(const std::string& prefix, const std::string& tag) {
  auto dir = (std::filesystem::temp_directory_path()
              / (prefix + "-" + tag + "-" + std::to_string(::getpid())))
               .string();
  std::filesystem::remove_all(dir);
  return dir;
}

caf::expected<node_handle> spawn_bench_node(caf::actor_system& sys,
                                            node_config conf,
                                            const std::string& name) {
  conf.port = 0;
  conf.port_set = true;
  node_options opts;
  opts.log = node_logger(name);
  return spawn_node(sys, conf, opts);
}

bool stop_node(caf::actor_system& sys, node_handle& n,
               std::chrono::milliseconds timeout) {
  if (!n.actor())
    return true;
  caf::scoped_actor self{sys};
  self->monitor(n.actor());
  self->send(n.actor(), stop_atom::value);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(timeout) >> [] {});
  n = node_handle{};
  return down;
}

} // namespace timecoin::bench
