// `intakectl check-config` on the reply-tally sections, as a real process:
// one line naming the key, exit 78; a weakened TLS setting is a warning.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace {

struct CheckRun {
  int code;
  std::string out;
};

CheckRun check(const std::string& extra) {
  auto dir = std::filesystem::temp_directory_path() / ("intake-tally-check-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pw") << "secret\n";
  std::string text = std::string(R"(
[daemon]
templates_dir = ")") + INTAKE_TEMPLATES_DIR + R"("
[database]
url = "postgresql://intake@127.0.0.1:5432/intake"
[smtp]
host = "127.0.0.1"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "127.0.0.1"
port = 143
security = "plain"
username = "requests@example.test"
password_file = "@PW@"
)" + extra;
  for (std::string::size_type p; (p = text.find("@PW@")) != std::string::npos;) text.replace(p, 4, (dir / "pw").string());
  for (std::string::size_type p; (p = text.find("@DIR@")) != std::string::npos;) text.replace(p, 5, dir.string());
  std::ofstream(dir / "intake.toml") << text;
  std::string cmd = std::string(INTAKECTL_PATH) + " --config " + (dir / "intake.toml").string() + " check-config 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 512> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  std::filesystem::remove_all(dir);
  // The config's path starts every line; compare what follows it.
  const std::string prefix = (dir / "intake.toml").string() + ": ";
  for (std::string::size_type p; (p = out.find(prefix)) != std::string::npos;) out.erase(p, prefix.size());
  return {WEXITSTATUS(status), out};
}

const std::string observe = R"(
[[observe]]
name = "boss"
address = "boss@example.test"
host = "imap.example.test"
username = "boss@example.test"
)";

TEST(TallyCheckConfig, an_observed_mailbox_and_tally_settings_that_are_right_pass) {
  const CheckRun r =
      check("[trust]\nauthserv_id = \"mx.example.test\"\n"
            "[[calendar]]\nname = \"office\"\ntime_zone = \"Europe/Berlin\"\nhours.mon = [\"09:00-17:30\"]\n"
            "[service_levels]\ncalendar = \"office\"\nfirst_response = \"4h\"\nresolution = \"2d\"\n" +
            observe + "password_file = \"@PW@\"\n[tally]\nreply_window_days = 14\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "OK (1 mailbox(es))\n");
}

TEST(TallyCheckConfig, an_unreadable_observe_password_file_is_named_and_exits_78) {
  const CheckRun r = check(observe + "password_file = \"@DIR@/missing\"\n");
  EXPECT_EQ(r.code, 78);
  EXPECT_EQ(r.out.rfind("observe \"boss\": password_file: ", 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(TallyCheckConfig, an_unknown_tally_key_is_named_and_exits_78) {
  const CheckRun r = check("[tally]\nmin_replies = 3\n");
  EXPECT_EQ(r.code, 78);
  // "line N: " first: the line of the key in the file.
  ASSERT_EQ(r.out.rfind("line ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.substr(r.out.find(": ") + 2), "tally.min_replies: unknown key\n");
}

TEST(TallyCheckConfig, an_observed_mailbox_without_certificate_checks_is_a_warning) {
  const CheckRun r = check(observe + "password_file = \"@PW@\"\nverify_tls = false\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: observe boss: verify_tls = false: the certificate of imap.example.test:993 is not checked"),
            std::string::npos)
      << r.out;
}

}  // namespace

namespace {

// [trust] and [requests] accept_from_domains, through the same real process.
TEST(TrustCheckConfig, without_authserv_id_commands_are_not_authenticated_and_check_config_says_so) {
  const CheckRun r = check("");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: trust: no authserv_id: staff commands and responses are not authenticated"), std::string::npos)
      << r.out;
  const CheckRun trusted = check("[trust]\nauthserv_id = \"mx.example.test\"\n");
  EXPECT_EQ(trusted.code, 0) << trusted.out;
  EXPECT_EQ(trusted.out.find("warning: trust"), std::string::npos) << trusted.out;
  const CheckRun off = check("[trust]\nauthserv_id = [\"mx.example.test\"]\nrequire_authenticated_commands = false\n");
  EXPECT_NE(off.out.find("warning: trust: require_authenticated_commands = false"), std::string::npos) << off.out;
}

TEST(TrustCheckConfig, a_bad_accept_from_domains_entry_is_named_on_one_line) {
  const CheckRun r = check("[requests]\naccept_from_domains = [\"example.test\", \"not a domain\"]\n");
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("requests.accept_from_domains: \"not a domain\" is not a domain name"), std::string::npos) << r.out;
}

}  // namespace
