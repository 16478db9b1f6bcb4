// A small value-or-error type: failures caused by input or the environment are
// values, not exceptions (STYLE.md). C++20 has no std::expected yet.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace intake {

// What kind of failure an Error is: the one thing callers decide on (retry,
// give up, quarantine, stop the run). One kind per error.
enum class ErrorKind {
  transient,    // may work on another try (a timeout, a 4xx, a refused statement)
  permanent,    // retrying the same thing cannot help
  too_large,    // a fetched message over the configured maximum (permanent too)
  unreachable,  // no answer from the server at all: later items would fail alike
  stale,        // what a write was decided from changed meanwhile: decide again
};

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::transient;
  bool permanent() const { return kind == ErrorKind::permanent || kind == ErrorKind::too_large; }
  bool too_large() const { return kind == ErrorKind::too_large; }
  bool unreachable() const { return kind == ErrorKind::unreachable; }
  bool stale() const { return kind == ErrorKind::stale; }
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

inline Error fail(std::string message, ErrorKind kind) { return Error{std::move(message), kind}; }
inline Error fail(std::string message, bool permanent = false) {
  return fail(std::move(message), permanent ? ErrorKind::permanent : ErrorKind::transient);
}

}  // namespace intake
