#include "actors/delay_line.hpp"

namespace timecoin {

void delay_line::write(const uint8_t* data, std::size_t size, time_point now) {
  if (size == 0)
    return;
  if (!open_ || batches_.empty()) {
    batches_.push_back(batch{now + delay_, {}});
    open_ = true;
  }
  auto& out = batches_.back().bytes;
  out.insert(out.end(), data, data + size);
  held_ += size;
}

std::optional<std::vector<uint8_t>> delay_line::pop_due(time_point now) {
  if (batches_.empty() || batches_.front().due > now)
    return std::nullopt;
  auto out = std::move(batches_.front().bytes);
  batches_.pop_front();
  if (batches_.empty())
    open_ = false;
  held_ -= out.size();
  return out;
}

void delay_line::clear() {
  batches_.clear();
  held_ = 0;
  open_ = false;
}

} // namespace timecoin
