#pragma once

// CPU accounting for the benchmarks: per thread of this process (exact, from
// the scheduler's clocks) and for the whole machine (/proc/stat), so that a
// run can say who used the cores: the benchmark, the node's threads, or
// other processes.

#include <chrono>
#include <map>
#include <string>
#include <utility>

#include <caf/fwd.hpp>

namespace timecoin::bench {

/// Name and CPU seconds of threads of this process, by thread id.
using thread_cpu_times = std::map<int, std::pair<std::string, double>>;

/// CPU seconds of the calling thread.
double own_cpu_seconds();

/// CPU seconds of thread `tid` of this process, 0 if there is no such
/// thread. The clock id is the kernel's MAKE_THREAD_CPUCLOCK(tid,
/// CPUCLOCK_SCHED); exact, unlike the tick counts of
/// /proc/self/task/<tid>/stat.
double thread_cpu_seconds(int tid);

/// Name (/proc/self/task/<tid>/comm) and CPU seconds of every thread of this
/// process, by thread id.
thread_cpu_times thread_times();

/// CPU seconds the whole machine spent busy so far (every core; steal time
/// counts as busy: another guest had the core), from /proc/stat.
double machine_busy_seconds();

/// The thread id of `sys`'s multiplexer (`sys` must have loaded
/// `caf::io::middleman`). CAF 0.17 names its scheduler workers
/// "caf.multiplexer" too, so the name does not tell.
int multiplexer_tid(caf::actor_system& sys);

/// The CPU clocks at one moment: every thread of this process, the machine,
/// and the steady clock.
struct cpu_mark {
  thread_cpu_times threads;
  double machine = 0;
  std::chrono::steady_clock::time_point at;
};

/// Reads the clocks of a `cpu_mark` now.
cpu_mark mark_cpu();

/// CPU seconds spent between two marks.
struct cpu_spent {
  /// By each thread alive at `b`, with its name (a thread started after `a`
  /// counts from 0).
  thread_cpu_times threads;
  double process = 0; ///< by all of those threads together
  double others = 0;  ///< by other processes on the machine
  double wall = 0;    ///< seconds of steady clock between the marks
};

/// What was spent from mark `a` to the later mark `b`.
cpu_spent cpu_spent_between(const cpu_mark& a, const cpu_mark& b);

} // namespace timecoin::bench
