#include "bench/bench_report.hpp"

#include <cstdio>

namespace timecoin::bench {

proto::message bench_gossip(std::size_t payload_bytes) {
  proto::gossip g;
  g.kind = bench_gossip_kind;
  g.payload.resize(payload_bytes);
  for (std::size_t i = 0; i < payload_bytes; ++i)
    g.payload[i] = static_cast<uint8_t>(i * 31 + 7);
  g.timestamp = 1'700'000'000;
  return proto::message{0, std::move(g)};
}

double result_row::frames_per_second() const {
  return seconds > 0 ? static_cast<double>(frames) / seconds : 0.0;
}

double result_row::mb_per_second() const {
  return frames_per_second() * static_cast<double>(frame_bytes) / 1e6;
}

namespace {

std::string payload_label(std::size_t n) {
  if (n >= 1024 && n % 1024 == 0)
    return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " B";
}

} // namespace

void print_table(const std::vector<result_row>& rows) {
  std::printf("%-8s %-44s %12s %9s %9s  %s\n", "payload", "mode", "frames/s",
              "MB/s", "vs base", "note");
  std::printf("%s\n", std::string(96, '-').c_str());
  for (const auto& r : rows) {
    char ratio[16] = "-";
    if (r.baseline_fps > 0)
      std::snprintf(ratio, sizeof ratio, "%.2f",
                    r.frames_per_second() / r.baseline_fps);
    std::printf("%-8s %-44s %12.0f %9.1f %9s  %s\n",
                payload_label(r.payload_bytes).c_str(), r.mode.c_str(),
                r.frames_per_second(), r.mb_per_second(), ratio,
                r.note.c_str());
  }
  std::fflush(stdout);
}

} // namespace timecoin::bench
