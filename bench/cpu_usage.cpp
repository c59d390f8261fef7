#include "bench/cpu_usage.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <dirent.h>
#include <unistd.h>

namespace timecoin::bench {

namespace {

double seconds_of(const timespec& ts) {
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

double own_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return seconds_of(ts);
}

double thread_cpu_seconds(int tid) {
  auto id = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
  timespec ts{};
  if (::clock_gettime(id, &ts) != 0)
    return 0.0;
  return seconds_of(ts);
}

thread_cpu_times thread_times() {
  thread_cpu_times out;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr)
    return out;
  while (auto* e = ::readdir(dir)) {
    if (e->d_name[0] == '.')
      continue;
    std::ifstream in{std::string{"/proc/self/task/"} + e->d_name + "/comm"};
    std::string name;
    std::getline(in, name);
    auto tid = std::atoi(e->d_name);
    out[tid] = {name, thread_cpu_seconds(tid)};
  }
  ::closedir(dir);
  return out;
}

double machine_busy_seconds() {
  static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream in{"/proc/stat"};
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0,
                     irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq
    >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal)
         / tick;
}

int multiplexer_tid(caf::actor_system& sys) {
  std::promise<int> tid;
  auto got = tid.get_future();
  sys.middleman().backend().post(
    [&tid] { tid.set_value(static_cast<int>(::gettid())); });
  return got.get();
}

cpu_mark mark_cpu() {
  return {thread_times(), machine_busy_seconds(),
          std::chrono::steady_clock::now()};
}

cpu_spent cpu_spent_between(const cpu_mark& a, const cpu_mark& b) {
  cpu_spent s;
  for (const auto& [tid, v] : b.threads) {
    auto i = a.threads.find(tid);
    double d = v.second - (i == a.threads.end() ? 0.0 : i->second.second);
    s.threads[tid] = {v.first, d};
    s.process += d;
  }
  s.others = std::max(0.0, (b.machine - a.machine) - s.process);
  s.wall = std::chrono::duration<double>(b.at - a.at).count();
  return s;
}

} // namespace timecoin::bench
