// libFuzzer harness over the tally's text readers (read_tone, find_kudos):
// any bytes as a message's new text, never a crash or a hang, and their
// promises kept: every word reported is a configured one, every colleague
// credited is in the directory and is not the sender, each at most once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "parsers/request/positive_words.hpp"
#include "parsers/request/request_fields.hpp"

namespace {

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::parsers;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const TallyConfig words;
  static const std::vector<Employee> directory = {{"chris.doe@example.test", "Chris Doe", "", "", ""},
                                                  {"sam.one@example.test", "Sam One", "", "", ""},
                                                  {"sam.two@example.test", "Sam Two", "", "", ""},
                                                  {"al@example.test", "Al", "", "", ""}};
  const Tone tone = read_tone(text, words);
  for (const auto& w : tone.words) {
    const bool listed = std::find(words.agree_words.begin(), words.agree_words.end(), w) != words.agree_words.end() ||
                        std::find(words.thanks_words.begin(), words.thanks_words.end(), w) != words.thanks_words.end() ||
                        std::find(words.praise_words.begin(), words.praise_words.end(), w) != words.praise_words.end();
    require(listed, "a reported word is a configured one");
  }
  require(tone.positive() == !tone.words.empty(), "positive exactly when a word was found");
  const auto credited = find_kudos(text, words, directory, "sam.one@example.test");
  std::set<std::string> seen;
  for (const auto& c : credited) {
    require(c != "sam.one@example.test", "the sender is never credited");
    require(std::any_of(directory.begin(), directory.end(), [&](const Employee& e) { return e.address == c; }),
            "a credited colleague is in the directory");
    require(seen.insert(c).second, "each colleague once");
  }
  require(credited.empty() || tone.credits(), "kudos only where thanks or praise were said");
  return 0;
}
