// Golden-file tests: every tests/data/**/NAME.eml is parsed with parse_email,
// turned into its JSON form with email_to_json, and compared key by key with
// NAME.json beside it (each fixture is its own test, named after its path).
//
// The expected JSON has exactly the keys of email_to_json. Every key but
// `warnings` must be equal. `warnings` is a list of substrings: each must
// appear in at least one actual warning, and an empty list means the message
// must parse with no warning at all. A .eml without its .json is a failure.
// The expectations were written by hand from the message and the parser spec,
// not copied from the parser's output (see tests/data/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

#ifndef INTAKE_TEST_DATA
#error "INTAKE_TEST_DATA must name the tests/data directory"
#endif

namespace intake::parsers {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The corpus must cover the parser spec; fewer fixtures means some went missing.
constexpr std::size_t min_fixture_count = 60;

// The keys email_to_json promises, in the order failures are reported.
const std::vector<std::string> contract_keys{
    "message_id", "date", "from",         "reply_to",     "to",   "cc",          "subject",  "in_reply_to",
    "references", "body_text", "request_text", "html", "attachments", "kind", "warnings"};

const fs::path data_dir{INTAKE_TEST_DATA};

// One message of the corpus; printed (in test names and failures) as its
// path under tests/data.
struct Fixture {
  fs::path eml;
};

void PrintTo(const Fixture& fixture, std::ostream* os) {
  *os << fs::relative(fixture.eml, data_dir).generic_string();
}

std::vector<Fixture> find_fixtures() {
  std::vector<Fixture> out;
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".eml") out.push_back({entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.eml < b.eml; });
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "headers/date_plus0530.eml" -> "headers_date_plus0530": gtest names take
// letters, digits and '_' only.
std::string fixture_name(const fs::path& eml) {
  std::string name = fs::relative(eml, data_dir).replace_extension().generic_string();
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

// Invalid UTF-8 must not throw here: the parser promises valid UTF-8, and a
// broken promise should show up as a readable failure, not a crash.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

class FixtureTest : public testing::TestWithParam<Fixture> {};

TEST_P(FixtureTest, matches_expected_json) {
  const fs::path eml = GetParam().eml;
  const std::string name = fixture_name(eml);
  fs::path expected_path = eml;
  expected_path.replace_extension(".json");
  ASSERT_TRUE(fs::exists(expected_path)) << name << ": no expected file " << expected_path;

  json expected;
  try {
    expected = json::parse(read_file(expected_path));
  } catch (const json::exception& e) {
    FAIL() << name << ": " << expected_path << " is not valid JSON: " << e.what();
  }
  ASSERT_TRUE(expected.is_object()) << name << ": expected file is not a JSON object";

  const json actual = email_to_json(parse_email(read_file(eml)));

  for (const auto& [key, value] : expected.items()) {
    EXPECT_NE(std::find(contract_keys.begin(), contract_keys.end(), key), contract_keys.end())
        << name << ": expected file has unknown key '" << key << "'";
  }
  for (const auto& [key, value] : actual.items()) {
    EXPECT_NE(std::find(contract_keys.begin(), contract_keys.end(), key), contract_keys.end())
        << name << ": email_to_json gave key '" << key << "' outside the contract";
  }

  for (const std::string& key : contract_keys) {
    if (!expected.contains(key)) {
      ADD_FAILURE() << name << ": expected file lacks key '" << key << "'";
      continue;
    }
    if (!actual.contains(key)) {
      ADD_FAILURE() << name << ": email_to_json gave no key '" << key << "'";
      continue;
    }
    if (key != "warnings") {
      EXPECT_EQ(dump(expected[key]), dump(actual[key])) << name << ": key '" << key << "'";
      continue;
    }
    const json& wanted = expected[key];
    const json& got = actual[key];
    if (!wanted.is_array() || !got.is_array()) {
      ADD_FAILURE() << name << ": key 'warnings' is not a list";
      continue;
    }
    std::vector<std::string> missing;
    for (const auto& needle : wanted) {
      const std::string n = needle.is_string() ? needle.get<std::string>() : dump(needle);
      const bool found = std::any_of(got.begin(), got.end(), [&](const json& w) {
        return w.is_string() && w.get<std::string>().find(n) != std::string::npos;
      });
      if (!found) missing.push_back(n);
    }
    if (wanted.empty()) {
      EXPECT_TRUE(got.empty()) << name << ": key 'warnings': expected none, got " << dump(got);
    } else {
      EXPECT_TRUE(missing.empty()) << name << ": key 'warnings': no warning contains " << dump(json(missing))
                                   << "; got " << dump(got);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, FixtureTest, testing::ValuesIn(find_fixtures()),
                         [](const testing::TestParamInfo<Fixture>& param) { return fixture_name(param.param.eml); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FixtureTest);

TEST(FixtureCorpus, has_at_least_sixty_fixtures) {
  EXPECT_GE(find_fixtures().size(), min_fixture_count) << "in " << data_dir;
}

TEST(FixtureCorpus, every_expected_file_has_its_message) {
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    fs::path eml = entry.path();
    eml.replace_extension(".eml");
    EXPECT_TRUE(fs::exists(eml)) << entry.path() << " has no .eml beside it";
  }
}

}  // namespace
}  // namespace intake::parsers
