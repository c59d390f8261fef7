// The tests' main: doctest's, with SIGPIPE ignored first. Tests talk to
// servers over sockets with clients (cpp-httplib) that write without
// MSG_NOSIGNAL: a server that closes early, as the RPC server does on a body
// over its limit, must give the client an error, not kill the test process.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return doctest::Context{argc, argv}.run();
}
