// A small value-or-error type: failures caused by input or the environment are
// values, not exceptions (STYLE.md). C++20 has no std::expected yet.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace intake {

struct Error {
  std::string message;
  bool permanent = false;  // true: retrying the same thing cannot help
  bool too_large = false;  // a fetched message went over the configured maximum
  bool unreachable = false;  // no answer from the server at all: later items would fail alike
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error fail(std::string message, bool permanent = false) {
  return Error{std::move(message), permanent};
}

}  // namespace intake
