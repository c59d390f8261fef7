#pragma once

// An immutable value published by one writer and read by any thread without
// locks (pure, no CAF).

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace timecoin {

/// Single writer, any number of readers on any thread. Readers pin the
/// current value by announcing themselves in a counter; the writer swaps the
/// pointer and frees superseded values only at a moment when no reader is
/// announced (all operations sequentially consistent, so a reader that
/// announces itself after that moment can only see the new pointer). Neither
/// side ever blocks.
template <class T>
class snapshot_cell {
public:
  snapshot_cell() : current_(new T) {}
  ~snapshot_cell() { delete current_.load(); }
  snapshot_cell(const snapshot_cell&) = delete;
  snapshot_cell& operator=(const snapshot_cell&) = delete;

  /// Writer only: replaces the current value.
  void publish(std::unique_ptr<const T> next) {
    retired_.emplace_back(current_.exchange(next.release()));
    if (readers_.load() == 0)
      retired_.clear();
  }

  /// Calls `f(const T&)` on the current value; `f` must not keep references
  /// into it.
  template <class F>
  auto read(F&& f) const {
    readers_.fetch_add(1);
    struct unpin {
      std::atomic<uint32_t>& n;
      ~unpin() { n.fetch_sub(1); }
    } guard{readers_};
    return f(*current_.load());
  }

private:
  std::atomic<const T*> current_;
  mutable std::atomic<uint32_t> readers_{0};
  /// Writer-owned: values superseded but perhaps still read.
  std::vector<std::unique_ptr<const T>> retired_;
};

} // namespace timecoin
