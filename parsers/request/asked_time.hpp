// Whether a time phrase found in a request's text is a time the requester asks
// for ("can you fix it by Friday?") or only a time they mention ("I'm at the
// airport tomorrow morning", "it broke on Monday"). Rules over the words of the
// sentence around the phrase; untrusted text, bounded work per phrase.
#pragma once

#include <cstddef>
#include <string_view>

namespace intake::parsers {

// How far around a phrase its sentence is looked for; a longer sentence is cut
// there (a hostile 64 KB "sentence" must not make each phrase cost 64 KB).
inline constexpr std::size_t max_sentence_reach_bytes = 400;

// `text` as written and `lower` its ASCII lower-case copy (same length); the
// phrase is [begin, end). True when the phrase's sentence asks for something
// by then and no nearer words say it is the requester's own plans or the past.
// The rules, in order (README "Requests" says the same):
// 1. The sentence ends at . ! ? (followed by a space or the end), at a blank
//    line, and at a line break before a capital letter or a bullet (mail
//    wraps lines mid-sentence; a subject line or a new paragraph starts with
//    a capital). Its clause also ends at , ; : ( ) and a spaced dash.
// 2. Not asked when a word of the past ("yesterday", "last", "was", "broke",
//    "since" ...), of the requester's own plans ("I'm at/on/in/out/away/off/
//    back ...", "on leave", "out of office", "I have a", "my flight" ...) or
//    a range ("from 21 to 23 December", "between ...") stands in the phrase's
//    clause with no asking word between it and the phrase. A phrase headed by
//    "by", "before", "no later than", "due" or "deadline" is asked all the
//    same ("it was promised by Friday").
// 3. Asked when the sentence asks: it ends in "?", has an asking word ("need",
//    "want", "please", "can/could/would you", "deadline", "due", "asap",
//    "would be great" ...), starts (or its clause starts) with a verb of
//    command ("fix", "send", "set up" ...), or the phrase is headed by
//    by/before/no later than/due/deadline or opens with "first thing".
// 4. Asked too when its sentence is the phrase alone, give or take "please",
//    "thanks", "ideally", "is fine" and a greeting clause ("Hi Bob, tomorrow
//    morning works for me"): an answer to "when do you need it?".
bool asks_for_time(std::string_view text, std::string_view lower, std::size_t begin, std::size_t end);

}  // namespace intake::parsers
