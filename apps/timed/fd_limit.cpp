#include "apps/timed/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace timecoin {

namespace {

constexpr uint64_t unlimited = std::numeric_limits<uint64_t>::max();

uint64_t from_rlim(rlim_t value) {
  return value == RLIM_INFINITY ? unlimited : static_cast<uint64_t>(value);
}

std::string limit_text(uint64_t value) {
  return value == unlimited ? std::string{"unlimited"} : std::to_string(value);
}

} // namespace

uint64_t fds_needed(uint32_t maxconnections) {
  return uint64_t{maxconnections} + pending_handshake_fds + reserved_fds;
}

uint32_t connections_within(uint64_t available, uint32_t maxconnections) {
  auto overhead = pending_handshake_fds + reserved_fds;
  if (available <= overhead)
    return 0;
  return static_cast<uint32_t>(
    std::min<uint64_t>(available - overhead, maxconnections));
}

fd_limit raise_fd_limit(uint64_t wanted) {
  fd_limit out;
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    out.error = errno;
    return out;
  }
  out.soft_before = out.soft = from_rlim(lim.rlim_cur);
  out.hard = from_rlim(lim.rlim_max);
  if (out.soft >= wanted)
    return out;
  lim.rlim_cur = static_cast<rlim_t>(std::min(wanted, out.hard));
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
    out.error = errno;
  // Read back what is in force: the kernel may cap it (fs.nr_open).
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0)
    out.soft = from_rlim(lim.rlim_cur);
  return out;
}

fd_decision decide_fd_budget(uint32_t configured, const fd_limit& limit) {
  fd_decision d;
  auto wanted = fds_needed(configured);
  d.maxconnections = connections_within(limit.soft, configured);
  d.reduced = d.maxconnections < configured;
  auto limits = "the open-file limit (RLIMIT_NOFILE) is "
                + limit_text(limit.soft) + ", hard limit "
                + limit_text(limit.hard);
  auto advice = "; raise it (ulimit -n, or LimitNOFILE= in a systemd unit) "
                "or lower maxconnections";
  if (d.maxconnections == 0) {
    d.message = limits + ": not enough for a single connection (timed needs "
                + std::to_string(fds_needed(1)) + " for one, "
                + std::to_string(wanted) + " for maxconnections="
                + std::to_string(configured) + ")" + advice;
  } else if (d.reduced) {
    d.message = "reducing maxconnections from " + std::to_string(configured)
                + " to " + std::to_string(d.maxconnections) + ": " + limits
                + ", and maxconnections=" + std::to_string(configured)
                + " needs " + std::to_string(wanted) + advice;
  } else if (limit.soft > limit.soft_before) {
    d.message = "raised the open-file limit from "
                + limit_text(limit.soft_before) + " to "
                + limit_text(limit.soft)
                + " for maxconnections=" + std::to_string(configured);
  }
  return d;
}

} // namespace timecoin
