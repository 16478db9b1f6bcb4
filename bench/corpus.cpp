#include "bench/corpus.hpp"

#include <charconv>
#include <fstream>
#include <iterator>

namespace intake::bench {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find('\t', start);
    fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

}  // namespace

Result<Corpus> load_corpus(const std::filesystem::path& dir) {
  std::ifstream manifest(dir / "manifest.tsv", std::ios::binary);
  if (!manifest) return fail((dir / "manifest.tsv").string() + ": cannot read (run intake_bench_corpus first)", true);
  Corpus corpus;
  std::string line;
  std::getline(manifest, line);  // column names
  constexpr std::size_t columns = 11;
  while (std::getline(manifest, line)) {
    if (line.empty()) continue;
    auto f = split_tabs(line);
    if (f.size() != columns) return fail("manifest.tsv: row with " + std::to_string(f.size()) + " fields: " + f[0], true);
    CorpusMessage m;
    m.file = f[0];
    m.kind = f[1];
    m.subject = f[3];
    m.from_name = f[4];
    m.from_address = f[5];
    m.marker = f[6];
    m.quote_marker = f[7];
    m.sig_marker = f[8];
    m.attachment_name = f[9];
    const auto& size_field = f[10];
    std::from_chars(size_field.data(), size_field.data() + size_field.size(), m.attachment_bytes);
    std::ifstream file(dir / m.file, std::ios::binary);
    if (!file) return fail((dir / m.file).string() + ": cannot read", true);
    m.raw.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    corpus.total_bytes += m.raw.size();
    corpus.messages.push_back(std::move(m));
  }
  if (corpus.messages.empty()) return fail((dir / "manifest.tsv").string() + ": no messages", true);
  return corpus;
}

}  // namespace intake::bench
