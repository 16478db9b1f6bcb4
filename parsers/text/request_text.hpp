// Extracts the new part of a reply: what the sender wrote, without quoted
// history, signature or mobile footer. Trusts nothing: markers are heuristics,
// so whenever stripping would leave nothing, the whole text is kept.
#pragma once

#include <string>
#include <string_view>

namespace intake::parsers {

// Cuts at the first quoted-history marker ("On ... wrote:" and translations,
// also wrapped on two lines; "-----Original Message-----"; Outlook header
// blocks; "____" rule followed by From:), but not at "Begin forwarded
// message:". Drops ">"-quoted lines (interleaved answers are kept), the
// signature from "-- " or "--" on, and mobile footers. Trims trailing blanks.
std::string extract_request_text(std::string_view body_text);

}  // namespace intake::parsers
