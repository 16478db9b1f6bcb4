// The `intakectl parse --json` form of a parsed Email: exactly the keys the
// parser issue names (each attachment also says whether it is inline and
// its Content-ID: issue 21), one object per message.
#pragma once

#include <nlohmann/json.hpp>

#include "parsers/common/email.hpp"

namespace intake::parsers {

nlohmann::json email_to_json(const Email& email);

}  // namespace intake::parsers
