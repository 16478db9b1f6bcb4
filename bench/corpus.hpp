// The generated corpus loaded into memory once: every message's raw bytes and
// what its manifest row says a correct parser must get from it. Trusts the
// manifest only as far as its shape: a malformed row is an error value.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::bench {

struct CorpusMessage {
  std::string file;
  std::string kind;  // plain, alternative, attachment, encoded_headers, charset
  std::string raw;   // the .eml bytes, CRLF line ends
  std::string subject;
  std::string from_name;
  std::string from_address;
  std::string marker;        // in the new text: in body and request text
  std::string quote_marker;  // in quoted history only; empty when none
  std::string sig_marker;    // in the signature only; empty when none
  std::string attachment_name;
  std::size_t attachment_bytes = 0;  // decoded size; 0 when none
};

struct Corpus {
  std::vector<CorpusMessage> messages;
  std::size_t total_bytes = 0;
};

// Reads DIR/manifest.tsv and every file it names.
Result<Corpus> load_corpus(const std::filesystem::path& dir);

}  // namespace intake::bench
