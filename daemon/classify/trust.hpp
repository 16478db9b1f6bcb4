// Who sent a message, as far as the company's own receiving servers could
// tell: the Authentication-Results they added ([trust] authserv_id), and only
// those above the topmost Received field such a server added, never ones the
// sender wrote below it. Pure: the parsed trace fields in, a verdict out.
#pragma once

#include <string>
#include <vector>

#include "parsers/common/email.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

enum class AuthVerdict {
  passed,  // DMARC passed for the From domain, or DKIM or SPF passed aligned with it
  failed,  // no pass, and an aligned DMARC, DKIM or SPF result failed
  none,    // nothing a trusted server said about the From domain
};
const char* to_string(AuthVerdict verdict);

struct SenderAuth {
  AuthVerdict verdict = AuthVerdict::none;
  std::string detail;  // the result that decided, "dkim=pass header.d=example.test"; or why there is none
};

// The Authentication-Results the trusted servers added, top down.
std::vector<const parsers::AuthResults*> trusted_results(const parsers::Email& email,
                                                         const std::vector<std::string>& authserv_ids);

// The verdict on the From address. Alignment is relaxed (RFC 7489 3.1): the
// same domain, or one a subdomain of the other.
SenderAuth authenticate_sender(const parsers::Email& email, const std::vector<std::string>& authserv_ids);

}  // namespace intake::daemon
