// Positive replies and kudos, read from the new text of a message (quotes and
// signature already removed by the parser). Pure functions over untrusted
// text and the config: the text is looked at only up to a bound, and a word
// list of any size cannot make matching worse than linear in it per word.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/config/config.hpp"

namespace intake::parsers {

// What a message's text says, by the [tally] word lists.
struct Tone {
  bool agrees = false;  // "agreed!", "so true", "+1"
  bool thanks = false;  // "thank you", "much appreciated"
  bool praises = false; // "great job", "well done"
  std::vector<std::string> words;  // the list entries found, as configured, in list order
  bool positive() const { return agrees || thanks || praises; }
  bool credits() const { return thanks || praises; }  // agreement credits nobody
};

// Whole words or phrases, without case; a match right after a negation
// ("not", "no", "don't", ...) does not count ("no thanks", "don't agree").
Tone read_tone(std::string_view text, const TallyConfig& words);

// Colleagues `text` thanks or praises by name or address: a sentence holding
// a thanks or praise word and an employee's full name (without case), first
// name (as capitalized in the directory, when no other employee shares it and
// it is at least 3 letters) or address. The sender is never credited.
// Addresses returned lower case without plus tag, in directory order, once each.
std::vector<std::string> find_kudos(std::string_view text, const TallyConfig& words, const std::vector<Employee>& directory,
                                    std::string_view sender_address);

}  // namespace intake::parsers
