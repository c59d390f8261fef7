#pragma once

// A FIFO that holds no memory while empty (internal header).

#include <cstddef>
#include <deque>
#include <memory>

namespace timecoin {

/// A FIFO that holds no memory while empty (libstdc++'s `std::deque`
/// allocates about 600 bytes as soon as it is constructed: per idle peer).
template <class T>
class lazy_queue {
public:
  bool empty() const { return !q_ || q_->empty(); }
  std::size_t size() const { return q_ ? q_->size() : 0; }
  void push_back(T x) {
    if (!q_)
      q_ = std::make_unique<std::deque<T>>();
    q_->push_back(std::move(x));
  }
  T& front() { return q_->front(); }
  void pop_front() {
    q_->pop_front();
    if (q_->empty())
      q_.reset();
  }
  void clear() { q_.reset(); }

private:
  std::unique_ptr<std::deque<T>> q_;
};

} // namespace timecoin
