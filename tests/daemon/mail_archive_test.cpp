// mbox (split by GMime) and Maildir reading for `intakectl import`.
#include "daemon/adapters/archive/mail_archive.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace intake::daemon {
namespace {

namespace fs = std::filesystem;

struct ArchiveTest : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("intake-archive-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  std::vector<ArchivedMessage> read(const fs::path& p, std::size_t max = 1 << 20, Status* status = nullptr) {
    std::vector<ArchivedMessage> out;
    Status s = read_mail_archive(p.string(), max, [&](ArchivedMessage&& m) {
      out.push_back(std::move(m));
      return true;
    });
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error().message;
    return out;
  }
  fs::path dir;
};

const std::string first = "From: alice@example.test\nSubject: one\nMessage-ID: <1@x>\n\nHello\n>From here on, quoted\n";
// A body line "From " must be quoted in an mbox (">From "), else it starts
// a message: that is the format, not a choice of the reader.
const std::string second = "From: bob@example.test\nSubject: two\n\nSee below.\n\n>>From kept with one '>'\n";
const std::string second_read = "From: bob@example.test\nSubject: two\n\nSee below.\n\n>From kept with one '>'\n";

TEST_F(ArchiveTest, an_mbox_is_split_into_its_messages_byte_for_byte) {
  write(dir / "a.mbox", "From alice@example.test Thu Dec  3 10:00:00 2026\n" + first + "\n" +
                            "From bob@example.test Fri Dec  4 11:30:00 2026\n" + second + "\n");
  const auto list = read(dir / "a.mbox");
  ASSERT_EQ(list.size(), 2u);
  // mboxrd: one '>' comes off ">From "; the separating blank line is the mbox's.
  EXPECT_EQ(list[0].raw, "From: alice@example.test\nSubject: one\nMessage-ID: <1@x>\n\nHello\nFrom here on, quoted\n");
  EXPECT_EQ(list[1].raw, second_read);
  ASSERT_TRUE(list[0].delivered_at.has_value());
  EXPECT_EQ(*list[0].delivered_at, std::chrono::sys_days{std::chrono::year{2026} / 12 / 3} + std::chrono::hours{10});
  EXPECT_EQ(*list[1].delivered_at,
            std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + std::chrono::hours{11} + std::chrono::minutes{30});
  EXPECT_FALSE(list[0].truncated);
}

TEST_F(ArchiveTest, a_message_over_the_bound_is_cut_and_flagged) {
  std::string big = "From: a@x\nSubject: big\n\n" + std::string(5000, 'x') + "\n";
  write(dir / "big.mbox", "From a@x Thu Dec  3 10:00:00 2026\n" + big + "\n" + "From b@x Thu Dec  3 10:00:00 2026\n" + second);
  const auto list = read(dir / "big.mbox", 1000);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[0].truncated);
  EXPECT_EQ(list[0].raw.size(), 1000u);
  EXPECT_EQ(list[1].raw, second_read);
}

TEST_F(ArchiveTest, a_file_that_is_not_an_mbox_is_refused) {
  write(dir / "note.txt", "Subject: not an mbox\n\nhello\n");
  Status s = Ok{};
  EXPECT_TRUE(read(dir / "note.txt", 1 << 20, &s).empty());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not an mbox file"), std::string::npos) << s.error().message;
}

TEST_F(ArchiveTest, a_missing_path_is_an_error) {
  Status s = Ok{};
  read(dir / "nothing-here", 1 << 20, &s);
  EXPECT_FALSE(s.ok());
}

TEST_F(ArchiveTest, a_maildir_is_read_from_cur_then_new_by_file_name) {
  write(dir / "md/cur/2.host:2,S", second);
  write(dir / "md/cur/1.host:2,", first);
  write(dir / "md/new/3.host", "Subject: three\n\nnew\n");
  write(dir / "md/tmp/4.host", "Subject: being delivered\n\n");
  write(dir / "md/cur/.hidden", "Subject: no\n\n");
  const auto list = read(dir / "md");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].raw, first);
  EXPECT_EQ(list[1].raw, second);  // a Maildir file is the message as it is
  EXPECT_EQ(list[2].raw, "Subject: three\n\nnew\n");
  EXPECT_EQ(list[2].where, "3.host");
  EXPECT_TRUE(list[0].delivered_at.has_value());
}

TEST_F(ArchiveTest, a_folder_without_cur_or_new_is_not_a_maildir) {
  fs::create_directories(dir / "plain");
  Status s = Ok{};
  read(dir / "plain", 1 << 20, &s);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a Maildir"), std::string::npos);
}

TEST(MboxFromLine, the_date_is_read_and_a_line_without_one_is_not) {
  EXPECT_EQ(mbox_from_line_time("From MAILER-DAEMON Sat Jan  3 01:05:34 1996"),
            std::chrono::sys_days{std::chrono::year{1996} / 1 / 3} + std::chrono::hours{1} + std::chrono::minutes{5} +
                std::chrono::seconds{34});
  EXPECT_EQ(mbox_from_line_time("From someone"), std::nullopt);
  EXPECT_EQ(mbox_from_line_time("From a@b not a date"), std::nullopt);
}

}  // namespace
}  // namespace intake::daemon
