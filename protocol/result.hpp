#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace timecoin {

/// A value of type `T`, or an error of type `E`: how expected failures travel
/// through the plain (CAF-free) layers. Mirrors the parts of
/// `std::expected` the project needs.
template <class T, class E>
class result {
public:
  result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  result(E err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & {
    assert(!has_value());
    return std::get<1>(data_);
  }
  const E& error() const& {
    assert(!has_value());
    return std::get<1>(data_);
  }

private:
  std::variant<T, E> data_;
};

/// Success, or an error of type `E`.
template <class E>
class result<void, E> {
public:
  result() = default;
  result(E err) : err_(std::move(err)), failed_(true) {}

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  const E& error() const& {
    assert(failed_);
    return err_;
  }

private:
  E err_{};
  bool failed_ = false;
};

} // namespace timecoin
