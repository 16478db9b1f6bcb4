// What both PostgreSQL adapters (PqxxRecordStore, PqxxTallyStore) do around
// every call: open the connection when it is not open, and turn libpqxx's
// exceptions into error values, dropping a connection that broke; and how
// both write a jsonb parameter. Included only by those adapters' .cpp files:
// no pqxx type leaves them.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::daemon {

// One PostgreSQL connection of an adapter, held through a pointer so no pqxx
// type reaches the adapters' headers.
struct PqxxConnection {
  explicit PqxxConnection(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
  bool limited = false;  // idle_in_transaction_session_timeout set on this session
};

}  // namespace intake::daemon

namespace intake::daemon::pqxx_guard {

// An exception's text without the trailing newline libpq adds.
inline std::string text_of(const std::exception& e) {
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// JSON text for a jsonb parameter; text that is not UTF-8 becomes U+FFFD
// instead of an exception (PostgreSQL would refuse it anyway).
inline std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A jsonb array of strings read back as text; what is not a string is left out.
inline std::vector<std::string> strings_from_json(const char* text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text ? text : "[]", nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The server or the connection went away: nothing is known about the work
// itself, so a caller retries later and counts nothing (store/outcome.hpp).
inline Error gone(std::string message) {
  Error error = fail(std::move(message));
  error.kind = ErrorKind::unreachable;
  return error;
}

// Holder: a struct with a pqxx::connection member `conn`, built from conninfo.
template <typename Holder>
Status connect(std::unique_ptr<Holder>& holder, const std::string& conninfo) {
  try {
    if (!holder || !holder->conn.is_open()) holder = std::make_unique<Holder>(conninfo);
    return Ok{};
  } catch (const std::exception& e) {
    holder.reset();
    Error error = fail("PostgreSQL: cannot connect: " + text_of(e));
    error.kind = ErrorKind::unreachable;
    return error;
  }
}

template <typename Holder, typename F>
auto guarded(std::unique_ptr<Holder>& holder, const std::string& conninfo, const char* what, F&& f) -> decltype(f()) {
  if (auto c = connect(holder, conninfo); !c) return c.error();
  try {
    return f();
  } catch (const pqxx::broken_connection& e) {
    holder.reset();
    return gone(std::string("PostgreSQL connection lost during ") + what + ": " + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    holder.reset();
    return gone(std::string("PostgreSQL connection lost during the commit of ") + what + ": " + e.what());
  } catch (const pqxx::sql_error& e) {
    // Class 08 (connection exception), 57P01-57P03 (shut down, cannot connect now).
    const std::string& state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
      holder.reset();
      return gone(std::string("PostgreSQL went away during ") + what + ": " + text_of(e));
    }
    if (holder && !holder->conn.is_open()) holder.reset();
    return fail(std::string("PostgreSQL error during ") + what + ": " + text_of(e));
  } catch (const std::exception& e) {
    if (holder && !holder->conn.is_open()) {
      holder.reset();
      return gone(std::string("PostgreSQL connection lost during ") + what + ": " + text_of(e));
    }
    return fail(std::string("PostgreSQL error during ") + what + ": " + text_of(e));
  }
}

}  // namespace intake::daemon::pqxx_guard
