// The parse benchmark: intake's full parse_email beside GMime 3 doing the
// equivalent work, and a raw memory pass as the floor, all over the same
// generated corpus held in memory. One iteration is one pass over the whole
// corpus, so the mix is measured as generated; items are messages, bytes are
// raw message bytes, and Google Benchmark reports both as rates.
//
//   parse_bench CORPUS_DIR [--benchmark_* flags]
//
// Timings are wall clock (UseRealTime), like Python's time.perf_counter in
// python_parse.py, so the rates are comparable across the three.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bench/corpus.hpp"
#include "bench/gmime_digest.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::bench {
namespace {

void set_rates(benchmark::State& state, const Corpus& corpus) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(corpus.messages.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(corpus.total_bytes));
}

// parse_email does everything an intake stage needs: headers decoded
// (RFC 2047/2231, addresses, date, ids), every text part transfer-decoded and
// converted to UTF-8, HTML-only bodies turned into text, attachments listed
// with decoded sizes, and the request text (quotes and signature stripped).
void intake_full_parse(benchmark::State& state, const Corpus& corpus) {
  for (auto _ : state) {
    std::size_t touched = 0;
    for (const auto& m : corpus.messages) {
      parsers::Email email = parsers::parse_email(m.raw);
      benchmark::DoNotOptimize(email.subject.data());
      benchmark::DoNotOptimize(email.body_text.data());
      benchmark::DoNotOptimize(email.request_text.data());
      touched += email.subject.size() + email.body_text.size() + email.request_text.size() + email.to.size() +
                 email.attachments.size() + (email.from ? email.from->name.size() : 0);
    }
    benchmark::DoNotOptimize(touched);
  }
  set_rates(state, corpus);
}

// See GMimeCorpus::parse: construct the message, copy out the decoded subject,
// addresses, date and ids, and the UTF-8 text of the parts intake would pick.
void gmime_parse(benchmark::State& state, const Corpus& corpus, const GMimeCorpus& gmime, AttachmentSizes sizes) {
  for (auto _ : state) {
    std::size_t touched = 0;
    for (std::size_t i = 0; i < gmime.size(); ++i) {
      GMimeDigest digest = gmime.parse(i, sizes);
      benchmark::DoNotOptimize(digest.subject.data());
      benchmark::DoNotOptimize(digest.body_text.data());
      touched += digest.subject.size() + digest.body_text.size() + digest.to.size() + digest.attachments.size() +
                 (digest.from.empty() ? 0 : digest.from.front().name.size());
    }
    benchmark::DoNotOptimize(touched);
  }
  set_rates(state, corpus);
}

// The floor: copy each message once and find every line end with memchr.
// No parser can touch the bytes with less work than this.
void raw_memory_pass(benchmark::State& state, const Corpus& corpus) {
  std::string buffer;
  for (auto _ : state) {
    std::size_t lines = 0;
    for (const auto& m : corpus.messages) {
      buffer.assign(m.raw);
      const char* p = buffer.data();
      const char* end = p + buffer.size();
      while (const void* hit = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
        ++lines;
        p = static_cast<const char*>(hit) + 1;
      }
      benchmark::DoNotOptimize(buffer.data());
    }
    benchmark::DoNotOptimize(lines);
    benchmark::ClobberMemory();
  }
  set_rates(state, corpus);
}

int run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: parse_bench CORPUS_DIR [--benchmark_* flags]\n";
    return 64;  // EX_USAGE
  }
  auto loaded = load_corpus(argv[1]);
  if (!loaded) {
    std::cerr << "parse_bench: " << loaded.error().message << "\n";
    return 66;  // EX_NOINPUT
  }
  const Corpus& corpus = loaded.value();
  GMimeRuntime runtime;
  std::vector<std::string> raws;
  raws.reserve(corpus.messages.size());
  for (const auto& m : corpus.messages) raws.push_back(m.raw);
  const GMimeCorpus gmime(raws);

  benchmark::AddCustomContext("corpus_dir", argv[1]);
  benchmark::AddCustomContext("corpus_messages", std::to_string(corpus.messages.size()));
  benchmark::AddCustomContext("corpus_bytes", std::to_string(corpus.total_bytes));

  benchmark::RegisterBenchmark("intake_parse_email", [&](benchmark::State& s) { intake_full_parse(s, corpus); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("gmime3_parse",
                               [&](benchmark::State& s) { gmime_parse(s, corpus, gmime, AttachmentSizes::skip); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("gmime3_parse_attachment_sizes",
                               [&](benchmark::State& s) { gmime_parse(s, corpus, gmime, AttachmentSizes::decode); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("raw_memory_pass", [&](benchmark::State& s) { raw_memory_pass(s, corpus); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace
}  // namespace intake::bench

int main(int argc, char** argv) { return intake::bench::run(argc, argv); }
