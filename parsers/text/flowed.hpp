// RFC 3676 format=flowed decoding of text/plain bodies.
// Trusts nothing: any line may be malformed; decoding is one linear pass.
#pragma once

#include <string>
#include <string_view>

namespace intake::parsers {

// Joins soft line breaks (a line ending in a space), removes space-stuffing,
// honours DelSp=yes (`delsp`), never joins across a quote-depth change, and
// never joins the "-- " signature separator. Quoted lines come out as
// ">> text" (the depth in '>', one space, the text).
std::string decode_flowed(std::string_view text, bool delsp);

}  // namespace intake::parsers
