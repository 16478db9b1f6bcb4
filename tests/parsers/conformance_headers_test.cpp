// Runs stalwart mail-parser's public header vectors (read at test time from
// the shared conformance directory, never copied here) through our header
// decoders. The expectations are that parser's choices: where ours differ on
// purpose, the vector is listed below with the reason, and any other failure
// fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "parsers/mime/header_values.hpp"

#ifndef INTAKE_CONFORMANCE_DIR
#define INTAKE_CONFORMANCE_DIR "../shared/conformance"
#endif

namespace intake::parsers {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Reviewed deviations: vector index -> why we differ on purpose.
using Deviations = std::map<std::size_t, std::string>;

const Deviations address_deviations{
    {10, "a comment alone after a group's ';' names nobody: no entry without an address"},
    {11, "a comment alone inside a group names nobody: no entry without an address"},
    {13, "obsolete route '@node.test:' dropped as RFC 5322 4.4 says; replies go to mary@example.net"},
};
const Deviations unstructured_deviations{};
const Deviations date_deviations{
    {12, "six bare numbers without a ':' time are not a date; stalwart guesses 2015-08-04 16:23:42 +0004"},
};
const Deviations content_type_deviations{
    {29, "RFC 2231 language tags are dropped; stalwart adds a 'title-language' parameter"},
    {30, "RFC 2231 language tags are dropped; stalwart adds a 'title-language' parameter"},
    {31, "RFC 2231 language tags are dropped; stalwart adds a 'filename-language' parameter"},
    {34, "blanks between adjacent encoded words vanish (RFC 2047 6.2), inside quotes too: 'áéí.jpeg'"},
    {59, "RFC 2231 language tags are dropped; stalwart adds a 'key3-language' parameter"},
    {61, "hostile RFC 2231 section syntax ('3**', '*5**6*') is ignored, not guessed at"},
};
const Deviations id_deviations{};

fs::path resources() { return fs::path(INTAKE_CONFORMANCE_DIR) / "stalwart-mail-parser" / "resources"; }

std::optional<json> load(const std::string& file) {
  std::ifstream in(resources() / file);
  if (!in) return std::nullopt;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

#define SKIP_WITHOUT_DATA(file)                                                                          \
  const auto vectors = load(file);                                                                       \
  if (!vectors) GTEST_SKIP() << "conformance data absent: " << (resources() / (file)).string()           \
                             << " (set INTAKE_CONFORMANCE_DIR to the shared conformance directory)";      \
  ASSERT_TRUE(vectors->is_array()) << (file) << " is not a JSON array"

// Prints the pass rate and checks that the failures are exactly the reviewed list.
void report(const std::string& file, std::size_t total, const std::set<std::size_t>& failed,
            const Deviations& deviations, const std::map<std::size_t, std::string>& details) {
  std::cout << file << ": " << (total - failed.size()) << "/" << total << "\n";
  for (std::size_t index : failed) {
    const auto reviewed = deviations.find(index);
    if (reviewed != deviations.end()) {
      std::cout << "  deviation #" << index << ": " << reviewed->second << "\n    " << details.at(index) << "\n";
    } else {
      ADD_FAILURE() << file << " vector " << index << " failed: " << details.at(index);
    }
  }
  for (const auto& [index, reason] : deviations) {
    EXPECT_TRUE(failed.count(index)) << file << " vector " << index
                                     << " now passes; remove it from the deviation list (" << reason << ")";
  }
}

std::string value_or_empty(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  return j[key].get<std::string>();
}

std::vector<Address> expected_addresses(const json& expected) {
  std::vector<Address> out;
  const auto add = [&](const json& list) {
    for (const json& a : list) out.push_back({value_or_empty(a, "name"), value_or_empty(a, "address")});
  };
  if (expected.contains("List")) add(expected["List"]);
  if (expected.contains("Group")) {
    for (const json& g : expected["Group"]) add(g["addresses"]);  // our lists flatten groups
  }
  return out;
}

std::string describe(const std::vector<Address>& list) {
  std::string s = "[";
  for (const Address& a : list) s += "{'" + a.name + "' <" + a.address + ">}";
  return s + "]";
}

TEST(conformance_headers, stalwart_address_vectors) {
  SKIP_WITHOUT_DATA("address.json");
  std::set<std::size_t> failed;
  std::map<std::size_t, std::string> details;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    const json& v = (*vectors)[i];
    std::vector<std::string> warnings;
    const auto got = parse_address_list(v["header"].get<std::string>(), warnings);
    const auto want = expected_addresses(v["expected"]);
    if (got != want) {
      failed.insert(i);
      details[i] = "got " + describe(got) + " want " + describe(want);
    }
  }
  report("address.json", vectors->size(), failed, address_deviations, details);
}

TEST(conformance_headers, stalwart_unstructured_vectors) {
  SKIP_WITHOUT_DATA("unstructured.json");
  std::set<std::size_t> failed;
  std::map<std::size_t, std::string> details;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    const json& v = (*vectors)[i];
    std::vector<std::string> warnings;
    const std::string got = decode_unstructured(v["header"].get<std::string>(), warnings);
    const std::string want = v["expected"].get<std::string>();
    if (got != want) {
      failed.insert(i);
      details[i] = "got '" + got + "' want '" + want + "'";
    }
  }
  report("unstructured.json", vectors->size(), failed, unstructured_deviations, details);
}

TEST(conformance_headers, stalwart_date_vectors) {
  SKIP_WITHOUT_DATA("date.json");
  std::set<std::size_t> failed;
  std::map<std::size_t, std::string> details;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    const json& v = (*vectors)[i];
    const auto got = parse_date(v["header"].get<std::string>());
    std::optional<std::chrono::sys_seconds> want;
    const json& e = v["expected"];
    if (!e.is_null()) {
      using namespace std::chrono;
      const year_month_day ymd{year{e["year"].get<int>()}, month{e["month"].get<unsigned>()},
                               day{e["day"].get<unsigned>()}};
      const minutes offset{(e["tz_before_gmt"].get<bool>() ? -1 : 1) *
                           (e["tz_hour"].get<int>() * 60 + e["tz_minute"].get<int>())};
      want = sys_days{ymd} + hours{e["hour"].get<int>()} + minutes{e["minute"].get<int>()} +
             seconds{e["second"].get<int>()} - offset;
    }
    if (got != want) {
      failed.insert(i);
      const auto show = [](const std::optional<std::chrono::sys_seconds>& t) {
        return t ? std::to_string(t->time_since_epoch().count()) : std::string("nullopt");
      };
      details[i] = "got " + show(got) + " want " + show(want);
    }
  }
  report("date.json", vectors->size(), failed, date_deviations, details);
}

TEST(conformance_headers, stalwart_content_type_vectors) {
  SKIP_WITHOUT_DATA("content_type.json");
  std::set<std::size_t> failed;
  std::map<std::size_t, std::string> details;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    const json& v = (*vectors)[i];
    std::vector<std::string> warnings;
    const ContentType got = parse_content_type(v["header"].get<std::string>(), warnings);
    const json& e = v["expected"];
    bool ok = false;
    std::string want_text;
    if (e.is_null()) {
      // Unparseable: we keep the RFC 2045 default text/plain and warn.
      ok = got.type == "text" && got.subtype == "plain" && !warnings.empty();
      want_text = "default text/plain with a warning";
    } else {
      std::map<std::string, std::string> params;
      if (e.contains("attributes") && e["attributes"].is_array()) {
        for (const json& p : e["attributes"]) params[p[0].get<std::string>()] = p[1].get<std::string>();
      }
      const std::string subtype = value_or_empty(e, "c_subtype");
      ok = got.type == e["c_type"].get<std::string>() && got.subtype == subtype && got.params == params;
      want_text = e.dump();
    }
    if (!ok) {
      failed.insert(i);
      std::string p;
      for (const auto& [k, val] : got.params) p += k + "=" + val + "; ";
      details[i] = "got " + got.type + "/" + got.subtype + " {" + p + "} want " + want_text;
    }
  }
  report("content_type.json", vectors->size(), failed, content_type_deviations, details);
}

TEST(conformance_headers, stalwart_message_id_vectors) {
  SKIP_WITHOUT_DATA("id.json");
  std::set<std::size_t> failed;
  std::map<std::size_t, std::string> details;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    const json& v = (*vectors)[i];
    const auto got = parse_message_ids(v["header"].get<std::string>());
    std::vector<std::string> want;
    if (!v["expected"].is_null()) want = v["expected"].get<std::vector<std::string>>();
    if (got != want) {
      failed.insert(i);
      std::string g;
      for (const auto& id : got) g += "<" + id + ">";
      details[i] = "got " + g + " want " + v["expected"].dump();
    }
  }
  report("id.json", vectors->size(), failed, id_deviations, details);
}

}  // namespace
}  // namespace intake::parsers
