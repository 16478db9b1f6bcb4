#include "daemon/classify/trust.hpp"

#include <algorithm>

#include "parsers/common/strings.hpp"
#include "parsers/mime/auth_results.hpp"

namespace intake::daemon {
namespace {

bool trusted_id(const std::string& id, const std::vector<std::string>& ids) {
  return !id.empty() && std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool aligned(const std::string& domain, const std::string& from_domain) {
  if (domain.empty() || from_domain.empty()) return false;
  auto under = [](const std::string& sub, const std::string& parent) {
    return sub.size() > parent.size() && sub.compare(sub.size() - parent.size(), parent.size(), parent) == 0 &&
           sub[sub.size() - parent.size() - 1] == '.';
  };
  return domain == from_domain || under(domain, from_domain) || under(from_domain, domain);
}

// The domain a method's result speaks for: DMARC's header.from, DKIM's
// header.d (else header.i), SPF's smtp.mailfrom (else smtp.helo).
std::string domain_of_result(const parsers::AuthMethodResult& r) {
  auto property = [&](const char* key) {
    auto it = r.properties.find(key);
    return it == r.properties.end() ? std::string() : parsers::auth_domain(it->second);
  };
  if (r.method == "dmarc") return property("header.from");
  if (r.method == "dkim") {
    std::string d = property("header.d");
    return d.empty() ? property("header.i") : d;
  }
  if (r.method == "spf") {
    std::string d = property("smtp.mailfrom");
    return d.empty() ? property("smtp.helo") : d;
  }
  return {};
}

std::string describe(const parsers::AuthMethodResult& r, const std::string& domain) {
  const char* key = r.method == "dmarc" ? " header.from=" : r.method == "dkim" ? " header.d=" : " smtp.mailfrom=";
  return r.method + "=" + r.result + key + domain;
}

}  // namespace

const char* to_string(AuthVerdict verdict) {
  switch (verdict) {
    case AuthVerdict::passed: return "passed";
    case AuthVerdict::failed: return "failed";
    case AuthVerdict::none: break;
  }
  return "none";
}

std::vector<const parsers::AuthResults*> trusted_results(const parsers::Email& email,
                                                         const std::vector<std::string>& authserv_ids) {
  std::vector<const parsers::AuthResults*> above;
  for (const auto& field : email.trace) {
    // The topmost Received a trusted server added: where the mail came into
    // the company. Whatever is below it the sender could have written.
    if (!field.auth) {
      if (trusted_id(field.received_by, authserv_ids)) return above;
      continue;
    }
    if (trusted_id(field.auth->authserv_id, authserv_ids)) above.push_back(&*field.auth);
  }
  return {};  // no trusted server's Received: nothing here was written by one
}

SenderAuth authenticate_sender(const parsers::Email& email, const std::vector<std::string>& authserv_ids) {
  SenderAuth out;
  if (!email.from || email.from->address.empty()) {
    out.detail = "no From address";
    return out;
  }
  const std::string from_domain = parsers::ascii_lower(parsers::domain_of(email.from->address));
  const auto results = trusted_results(email, authserv_ids);
  if (results.empty()) {
    out.detail = "no Authentication-Results from " + parsers::join(authserv_ids, ", ") + " above its Received field";
    return out;
  }
  for (const parsers::AuthResults* ar : results) {
    for (const auto& r : ar->results) {
      if (r.method != "dmarc" && r.method != "dkim" && r.method != "spf") continue;
      const std::string domain = domain_of_result(r);
      const bool counts = r.method == "dmarc" ? domain == from_domain : aligned(domain, from_domain);
      if (!counts) continue;
      if (r.result == "pass") return {AuthVerdict::passed, describe(r, domain)};
      if (r.result == "fail" && out.verdict == AuthVerdict::none) out = {AuthVerdict::failed, describe(r, domain)};
    }
  }
  if (out.verdict == AuthVerdict::none) out.detail = "no DKIM, DMARC or SPF pass for " + from_domain;
  return out;
}

}  // namespace intake::daemon
