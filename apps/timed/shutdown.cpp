#include "apps/timed/shutdown.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace timecoin {

namespace {

/// Sent by ~shutdown_request to its own thread to end its sigwait.
constexpr int wake_signal = SIGUSR2;

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, wake_signal);
  return set;
}

} // namespace

void block_shutdown_signals() {
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer or RPC client closing its socket must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

shutdown_request::shutdown_request()
  : signal_thread_([this] { run_signal_thread(); }) {
  // nop
}

shutdown_request::~shutdown_request() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closing_ = true;
  }
  pthread_kill(signal_thread_.native_handle(), wake_signal);
  signal_thread_.join();
}

void shutdown_request::run_signal_thread() {
  auto set = shutdown_signals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0)
      continue;
    if (sig == wake_signal) {
      std::lock_guard<std::mutex> guard{mtx_};
      if (closing_)
        return;
      continue;
    }
    request(sig == SIGINT ? "SIGINT" : "SIGTERM");
  }
}

void shutdown_request::request(const std::string& reason) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (requested_)
    return;
  requested_ = true;
  reason_ = reason;
  cv_.notify_all();
}

std::string shutdown_request::wait() {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait(guard, [this] { return requested_; });
  return reason_;
}

watchdog::watchdog(std::chrono::steady_clock::duration deadline,
                   int exit_code) {
  auto until = std::chrono::steady_clock::now() + deadline;
  thread_ = std::thread{[this, until, exit_code] {
    std::unique_lock<std::mutex> guard{mtx_};
    if (cv_.wait_until(guard, until, [this] { return disarmed_; }))
      return;
    spdlog::critical("shutdown did not finish in time; exiting now");
    spdlog::default_logger()->flush();
    std::fflush(stderr);
    std::_Exit(exit_code);
  }};
}

watchdog::~watchdog() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    disarmed_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

} // namespace timecoin
