// Runs the real intakectl on config files with one mistake each: one line
// naming the key, exit 78.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace {

struct Run {
  int code;
  std::string out;
};

Run check(const std::string& toml) {
  auto dir = std::filesystem::temp_directory_path() / ("intake-check-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pw") << "secret\n";
  std::string text = toml;
  for (std::string::size_type p; (p = text.find("@PW@")) != std::string::npos;) text.replace(p, 4, (dir / "pw").string());
  for (std::string::size_type p; (p = text.find("@TPL@")) != std::string::npos;) text.replace(p, 5, INTAKE_TEMPLATES_DIR);
  std::ofstream(dir / "intake.toml") << text;
  std::string cmd = std::string(INTAKECTL_PATH) + " --config " + (dir / "intake.toml").string() + " check-config 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 512> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  std::filesystem::remove_all(dir);
  return {WEXITSTATUS(status), out};
}

const std::string good = R"(
[daemon]
templates_dir = "@TPL@"
[database]
url = "postgresql://intake@127.0.0.1:5432/intake"
[smtp]
host = "127.0.0.1"
port = 25
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "127.0.0.1"
port = 143
security = "plain"
username = "requests@example.test"
password_file = "@PW@"
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = good;
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(CheckConfig, good_config_passes) {
  auto r = check(good);
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(CheckConfig, unknown_key_is_named_and_exits_78) {
  auto r = check(with("port = 25", "port = 25\nprot = 26"));
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("smtp.prot: unknown key"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(CheckConfig, wrong_value_is_named_and_exits_78) {
  auto r = check(with("port = 143", "port = 70000"));
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("mailbox \"requests\": port: must be between 1 and 65535 (got 70000)"), std::string::npos) << r.out;
}

TEST(CheckConfig, unknown_calendar_time_zone_is_named_and_exits_78) {
  auto r = check(good + "[[calendar]]\nname = \"office\"\ntime_zone = \"Europe/Berln\"\nhours.mon = [\"09:00-17:00\"]\n");
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("calendar \"office\": time_zone: unknown time zone \"Europe/Berln\""), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(CheckConfig, calendar_with_a_known_zone_passes) {
  auto r = check(good + "[[calendar]]\nname = \"office\"\ntime_zone = \"America/New_York\"\nhours.mon = [\"09:00-17:00\"]\n"
                        "[service_levels]\ncalendar = \"office\"\nfirst_response = \"4h\"\nresolution = \"2d\"\n");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(CheckConfig, no_service_levels_is_warned_about_and_passes) {
  auto r = check(good);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: service_levels: none configured: acknowledgments promise no timeframe"), std::string::npos)
      << r.out;
}

TEST(CheckConfig, service_levels_configured_are_not_warned_about) {
  auto r = check(good + "[[calendar]]\nname = \"office\"\ntime_zone = \"Europe/Berlin\"\nhours.mon = [\"09:00-17:30\"]\n"
                        "[service_levels]\ncalendar = \"office\"\nfirst_response = \"4h\"\nresolution = \"2d\"\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("service_levels:"), std::string::npos) << r.out;
}

TEST(CheckConfig, the_example_config_the_package_installs_checks_out_with_service_levels) {
  // systemd/intake.toml.in as installed, with this build's paths and a password file.
  std::ifstream in(INTAKE_EXAMPLE_CONFIG);
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();
  ASSERT_FALSE(toml.empty());
  for (const char* key : {"[service_levels]", "[[calendar]]", "first_response = \"4h\"", "first_response = \"30min\""})
    EXPECT_NE(toml.find(key), std::string::npos) << key;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::string::size_type p; (p = toml.find(from)) != std::string::npos;) toml.replace(p, from.size(), to);
  };
  replace_all("@CMAKE_INSTALL_FULL_DATADIR@/intake/templates", "@TPL@");
  replace_all("/run/credentials/intaked.service/db", "@PW@");
  replace_all("/run/credentials/intaked.service/smtp", "@PW@");
  replace_all("/run/credentials/intaked.service/imap", "@PW@");
  auto r = check(toml);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("service_levels:"), std::string::npos) << r.out;
}

TEST(CheckConfig, wrong_type_is_named_and_exits_78) {
  auto r = check(with("port = 25", "port = \"twenty-five\""));
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("smtp.port: must be an integer"), std::string::npos) << r.out;
}

TEST(CheckConfig, missing_required_key_is_named) {
  auto r = check(with("from = \"requests@example.test\"\n", ""));
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("smtp.from: missing (required)"), std::string::npos) << r.out;
}

TEST(CheckConfig, missing_password_file_is_named) {
  auto r = check(with("password_file = \"@PW@\"", "password_file = \"/nonexistent/pw\""));
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("mailbox \"requests\": password_file: cannot read secret file /nonexistent/pw"), std::string::npos) << r.out;
}

TEST(CheckConfig, toml_syntax_error_names_the_line) {
  auto r = check(good + "\n[smtp\n");
  EXPECT_EQ(r.code, 78);
  EXPECT_NE(r.out.find("not valid TOML at line"), std::string::npos) << r.out;
}

TEST(CheckConfig, world_readable_config_with_a_password_in_database_url_is_refused_in_one_line) {
  auto dir = std::filesystem::temp_directory_path() / ("intake-check-mode-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pw") << "secret\n";
  std::string text = with("postgresql://intake@127.0.0.1", "postgresql://intake:Inline-Pa55@127.0.0.1");
  text.replace(text.find("@PW@"), 4, (dir / "pw").string());
  text.replace(text.find("@TPL@"), 5, INTAKE_TEMPLATES_DIR);
  const auto path = dir / "intake.toml";
  std::ofstream(path) << text;
  using std::filesystem::perms;
  std::filesystem::permissions(path, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  auto run = [&] {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(
        popen((std::string(INTAKECTL_PATH) + " --config " + path.string() + " check-config 2>&1").c_str(), "r"), pclose);
    ::Run r{-1, {}};
    std::array<char, 512> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) r.out.append(buf.data(), n);
    r.code = WEXITSTATUS(pclose(pipe.release()));
    return r;
  };
  ::Run refused = run();
  EXPECT_EQ(refused.code, 78) << refused.out;
  EXPECT_NE(refused.out.find("database.url: holds a password, and the config file is readable by everyone (mode 0644)"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(std::count(refused.out.begin(), refused.out.end(), '\n'), 1) << refused.out;
  EXPECT_EQ(refused.out.find("Inline-Pa55"), std::string::npos) << refused.out;
  std::filesystem::permissions(path, perms::owner_read | perms::owner_write | perms::group_read);
  ::Run accepted = run();
  EXPECT_EQ(accepted.code, 0) << accepted.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
