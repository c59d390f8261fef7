#pragma once

// How timed learns it must stop: SIGINT or SIGTERM (caught by a thread in
// sigwait, so no work happens in a signal handler), or the RPC `stop`
// method; and a watchdog that ends the process if shutdown hangs.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace timecoin {

/// Blocks SIGINT, SIGTERM and the internal wake-up signal in the calling
/// thread, and ignores SIGPIPE. Call first in main: threads started later
/// inherit the mask, so only the waiting thread ever takes these signals.
void block_shutdown_signals();

/// A one-shot shutdown request, from a signal or from code.
class shutdown_request {
public:
  /// Starts the thread that waits for SIGINT and SIGTERM.
  shutdown_request();
  /// Stops that thread.
  ~shutdown_request();

  shutdown_request(const shutdown_request&) = delete;
  shutdown_request& operator=(const shutdown_request&) = delete;

  /// Asks for shutdown; the first reason is kept. Thread-safe, never blocks.
  void request(const std::string& reason);

  /// Blocks until shutdown is asked for; returns the reason ("SIGTERM",
  /// "RPC stop").
  std::string wait();

private:
  void run_signal_thread();

  std::mutex mtx_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool closing_ = false;
  std::string reason_;
  std::thread signal_thread_;
};

/// Ends the process with `exit_code` if not disarmed before `deadline`:
/// shutdown must not hang on a stuck actor or connection.
class watchdog {
public:
  watchdog(std::chrono::steady_clock::duration deadline, int exit_code);
  /// Disarms and joins.
  ~watchdog();

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

} // namespace timecoin
