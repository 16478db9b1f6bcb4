// A rating in the requester's reply to a resolved notice: "5 - great
// service", "2: took too long", "good", or a subject "rating 4" from the
// notice's mailto links. Pure over untrusted text; only the first line (and
// the subject) decide, so a long reply costs no more than a short one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace intake::parsers {

struct Rating {
  int score = 0;        // 1 (poor) to 5 (excellent)
  std::string comment;  // the rest of the reply, trimmed; may be empty
};

// A score of 4 or 5 is a good rating (the summaries' share of good ones).
inline bool is_good_rating(int score) { return score >= 4; }

// The rating `text` (the reply's new text) opens with, else the one the
// subject names; nullopt when neither holds one. A number needs a separator
// after it ("5 - ...", "5/5", "5.", "5 stars") so "2 more printers broke"
// is no rating; a word must stand alone or before punctuation so "Good
// morning, ..." is none either.
std::optional<Rating> find_rating(std::string_view subject, std::string_view text);

}  // namespace intake::parsers
