// Checks that every message of a generated corpus decodes as its manifest says,
// with intake's parse_email and with GMime 3 as the benchmark drives it. This
// keeps the benchmark honest: a parser that skipped work (charset conversion,
// RFC 2047, attachment decoding) would fail here instead of looking fast.
//
//   intake_bench_check CORPUS_DIR     exit 0: all as expected; 1: mismatches
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/corpus.hpp"
#include "bench/gmime_digest.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::bench {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Every problem with one message, as "what: got" lines; empty when all is well.
std::vector<std::string> check_intake(const CorpusMessage& m) {
  std::vector<std::string> problems;
  const parsers::Email email = parsers::parse_email(m.raw);
  if (email.subject != m.subject) problems.push_back("subject: " + email.subject);
  if (!email.from || email.from->name != m.from_name || email.from->address != m.from_address)
    problems.push_back("from: " + (email.from ? email.from->name + " <" + email.from->address + ">" : "none"));
  if (!contains(email.body_text, m.marker)) problems.push_back("body_text lacks marker " + m.marker);
  if (!contains(email.request_text, m.marker)) problems.push_back("request_text lacks marker " + m.marker);
  if (!m.quote_marker.empty() && !contains(email.body_text, m.quote_marker))
    problems.push_back("body_text lacks quote marker " + m.quote_marker);
  if (!m.quote_marker.empty() && contains(email.request_text, m.quote_marker))
    problems.push_back("request_text keeps the quoted history (" + m.quote_marker + ")");
  if (!m.sig_marker.empty() && contains(email.request_text, m.sig_marker))
    problems.push_back("request_text keeps the signature (" + m.sig_marker + ")");
  if (m.attachment_bytes != 0) {
    if (email.attachments.size() != 1) {
      problems.push_back(std::to_string(email.attachments.size()) + " attachments");
    } else if (email.attachments[0].filename != m.attachment_name || email.attachments[0].size != m.attachment_bytes) {
      problems.push_back("attachment: " + email.attachments[0].filename + ", " + std::to_string(email.attachments[0].size) +
                         " bytes");
    }
  }
  return problems;
}

// The raw (folded) value of the first header field `name` ("Subject").
std::string_view raw_header(std::string_view raw, std::string_view name) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  const std::string needle = "\r\n" + std::string(name) + ":";
  const std::size_t at = raw.substr(0, head_end).find(needle);
  if (at == std::string_view::npos) return {};
  std::size_t end = at + needle.size();
  while ((end = raw.find("\r\n", end)) != std::string_view::npos && end + 2 < raw.size() &&
         (raw[end + 2] == ' ' || raw[end + 2] == '\t'))
    end += 2;
  return raw.substr(at + needle.size(), end - at - needle.size());
}

// GMime 3.2.13 (Debian 12) joins adjacent B encoded words of one charset
// before base64-decoding them, so padding inside the join ("...IA==?=
// =?UTF-8?B?ZHU...") ends the text early: jstedfast/gmime#133, fixed upstream
// after 3.2.13. Mailers do write such words, so the corpus keeps them; the
// check counts them apart instead of failing.
bool has_padded_adjacent_b_words(std::string_view value) {
  for (std::size_t at = value.find("=?="); at != std::string_view::npos; at = value.find("=?=", at + 3)) {
    const std::size_t next = value.find_first_not_of(" \t\r\n", at + 3);
    if (next != std::string_view::npos && value.substr(next, 2) == "=?") {
      const std::size_t q = value.find('?', next + 2);
      if (q != std::string_view::npos && q + 2 < value.size() && (value[q + 1] == 'B' || value[q + 1] == 'b'))
        return true;
    }
  }
  return false;
}

struct GMimeCheck {
  std::vector<std::string> problems;
  bool known_bug = false;  // the subject hit jstedfast/gmime#133, nothing else was wrong
};

GMimeCheck check_gmime(const CorpusMessage& m, const GMimeDigest& d) {
  GMimeCheck result;
  auto& problems = result.problems;
  if (!d.parsed) return {{"g_mime_parser_construct_message returned nothing"}, false};
  if (d.subject != m.subject) {
    if (has_padded_adjacent_b_words(raw_header(m.raw, "Subject"))) {
      result.known_bug = true;
    } else {
      problems.push_back("subject: " + d.subject);
    }
  }
  if (d.from.empty() || d.from[0].name != m.from_name || d.from[0].address != m.from_address)
    problems.push_back("from: " + (d.from.empty() ? std::string("none") : d.from[0].name + " <" + d.from[0].address + ">"));
  if (!contains(d.body_text, m.marker)) problems.push_back("body_text lacks marker " + m.marker);
  if (!m.quote_marker.empty() && !contains(d.body_text, m.quote_marker))
    problems.push_back("body_text lacks quote marker " + m.quote_marker);
  if (m.attachment_bytes != 0) {
    if (d.attachments.size() != 1) {
      problems.push_back(std::to_string(d.attachments.size()) + " attachments");
    } else if (d.attachments[0].filename != m.attachment_name || d.attachments[0].size != m.attachment_bytes) {
      problems.push_back("attachment: " + d.attachments[0].filename + ", " + std::to_string(d.attachments[0].size) + " bytes");
    }
  }
  if (!problems.empty()) result.known_bug = false;
  return result;
}

int run(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: intake_bench_check CORPUS_DIR\n";
    return 64;  // EX_USAGE
  }
  auto loaded = load_corpus(argv[1]);
  if (!loaded) {
    std::cerr << "intake_bench_check: " << loaded.error().message << "\n";
    return 66;  // EX_NOINPUT
  }
  const Corpus& corpus = loaded.value();
  GMimeRuntime runtime;
  std::vector<std::string> raws;
  for (const auto& m : corpus.messages) raws.push_back(m.raw);
  const GMimeCorpus gmime(raws);

  constexpr std::size_t max_reported = 10;
  std::size_t intake_bad = 0;
  std::size_t gmime_bad = 0;
  std::size_t gmime_known_bug = 0;
  std::size_t reported = 0;
  for (std::size_t i = 0; i < corpus.messages.size(); ++i) {
    const auto& m = corpus.messages[i];
    const auto intake_problems = check_intake(m);
    const auto gmime_check = check_gmime(m, gmime.parse(i, AttachmentSizes::decode));
    const auto& gmime_problems = gmime_check.problems;
    if (gmime_check.known_bug) ++gmime_known_bug;
    if (!intake_problems.empty()) ++intake_bad;
    if (!gmime_problems.empty()) ++gmime_bad;
    for (const auto* problems : {&intake_problems, &gmime_problems}) {
      for (const auto& p : *problems) {
        if (reported++ < max_reported) {
          std::cerr << m.file << " (" << m.kind << ") " << (problems == &intake_problems ? "intake" : "gmime")
                    << ": " << p << "\n";
        }
      }
    }
  }
  const std::size_t n = corpus.messages.size();
  std::cout << "check: intake " << n - intake_bad << "/" << n << " as expected, " << intake_bad << " wrong; GMime 3 "
            << n - gmime_bad - gmime_known_bug << "/" << n << " as expected";
  if (gmime_known_bug != 0) {
    std::cout << ", " << gmime_known_bug
              << " more only with a truncated Subject (known GMime 3.2.13 bug jstedfast/gmime#133: adjacent padded B words)";
  }
  std::cout << ", " << gmime_bad << " wrong\n";
  return intake_bad == 0 && gmime_bad == 0 ? 0 : 1;
}

}  // namespace
}  // namespace intake::bench

int main(int argc, char** argv) { return intake::bench::run(argc, argv); }
