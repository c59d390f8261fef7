#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "apps/timed/shutdown.hpp"

using namespace timecoin;

namespace {

/// Restores the signal mask a test changed.
struct saved_mask {
  sigset_t old;
  saved_mask() { pthread_sigmask(SIG_SETMASK, nullptr, &old); }
  ~saved_mask() { pthread_sigmask(SIG_SETMASK, &old, nullptr); }
};

} // namespace

TEST_CASE("a shutdown request from code") {
  saved_mask mask;
  block_shutdown_signals();
  shutdown_request shutdown;
  std::thread rpc{[&] { shutdown.request("RPC stop"); }};
  CHECK(shutdown.wait() == "RPC stop");
  rpc.join();
  shutdown.request("SIGTERM"); // the first reason stays
  CHECK(shutdown.wait() == "RPC stop");
}

TEST_CASE("SIGTERM and SIGINT are caught by the waiting thread") {
  saved_mask mask;
  block_shutdown_signals();
  {
    shutdown_request shutdown;
    ::kill(::getpid(), SIGTERM);
    CHECK(shutdown.wait() == "SIGTERM");
  }
  {
    shutdown_request shutdown;
    ::kill(::getpid(), SIGINT);
    CHECK(shutdown.wait() == "SIGINT");
  }
  // Destroyed without a request: its thread still ends.
  shutdown_request idle;
}

TEST_CASE("a disarmed watchdog does nothing") {
  watchdog guard{std::chrono::hours{1}, 3};
}
