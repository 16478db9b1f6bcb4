// Deterministic generator of the parse benchmark's mixed corpus: N .eml files
// (CRLF line ends) and a manifest.tsv with what each message must decode to.
// Written by hand: no Debian library generates realistic mixed mail (only
// glibc iconv is used, for the non-UTF-8 charsets). The same seed and count
// always give the same bytes: the PRNG is our own (splitmix64) and no
// std::*_distribution is used, since those differ between standard libraries.
//
// Mix (exact shares, shuffled): 35% plain text, 25% multipart/alternative
// (text + HTML), 15% multipart/mixed with a 5-50 KB base64 attachment, 15%
// RFC 2047 encoded subjects and display names, 10% ISO-8859-1, windows-1252,
// ISO-2022-JP or KOI8-R bodies in quoted-printable or base64. Many messages
// carry quoted reply history, signatures or mobile footers, and realistic
// header blocks (Received chains, DKIM, Exchange X- headers).

#include <iconv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace intake::bench {
namespace {

// ---------------------------------------------------------------- randomness

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // The modulo bias is irrelevant at these ranges.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
  bool percent(unsigned p) { return below(100) < p; }
  template <typename Container>
  const auto& pick(const Container& items) { return items[below(std::size(items))]; }
  std::string digits(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += static_cast<char>('0' + below(10));
    return out;
  }
  std::string hex(std::size_t n) {
    static constexpr std::string_view alphabet = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[below(16)];
    return out;
  }
  std::string base64ish(std::size_t n) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[below(64)];
    return out;
  }

 private:
  std::uint64_t state_;
};

// ------------------------------------------------------------------ encoders

std::optional<std::string> from_utf8(std::string_view utf8, const char* charset) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) return std::nullopt;
  std::string in(utf8);
  std::string out(in.size() * 4 + 16, '\0');
  char* in_ptr = in.data();
  std::size_t in_left = in.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  bool ok = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1);
  // Flush the shift state (ISO-2022-JP ends in ASCII mode).
  ok = ok && iconv(cd, nullptr, nullptr, &out_ptr, &out_left) != static_cast<std::size_t>(-1);
  iconv_close(cd);
  if (!ok) return std::nullopt;
  out.resize(out.size() - out_left);
  return out;
}

std::string base64(std::string_view bytes, std::size_t line_chars) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t column = 0;
  auto put = [&](char c) {
    if (line_chars != 0 && column == line_chars) {
      out += '\n';
      column = 0;
    }
    out += c;
    ++column;
  };
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (n > 1) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (n > 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    put(alphabet[(v >> 18) & 63]);
    put(alphabet[(v >> 12) & 63]);
    put(n > 1 ? alphabet[(v >> 6) & 63] : '=');
    put(n > 2 ? alphabet[v & 63] : '=');
  }
  if (line_chars != 0) out += '\n';
  return out;
}

std::string hex_byte(unsigned char c) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  return {'=', digits[c >> 4], digits[c & 15]};
}

// Quoted-printable body (RFC 2045 6.7): LF in the input is a hard line break,
// lines are soft-broken at 76 columns, trailing blanks are encoded.
std::string quoted_printable(std::string_view bytes) {
  std::string out;
  std::size_t start = 0;
  while (start <= bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(start, end - start);
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      std::string token;
      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
        token = std::string(1, static_cast<char>(c));
      } else {
        token = hex_byte(c);
      }
      if (column + token.size() > 75) {
        out += "=\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    if (end == bytes.size()) break;
    out += '\n';
    start = end + 1;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// RFC 2047 encoded words for `utf8` converted to `charset`, B or Q, split on
// character boundaries so each word stays near 75 columns; words are joined
// by a fold ("\n ").
std::string encoded_words(std::string_view utf8, std::string_view charset, char encoding) {
  const std::size_t chunk_bytes = encoding == 'B' ? 30 : 18;
  std::vector<std::string_view> chunks;
  std::size_t start = 0;
  while (start < utf8.size()) {
    std::size_t end = std::min(utf8.size(), start + chunk_bytes);
    while (end < utf8.size() && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) --end;
    chunks.push_back(utf8.substr(start, end - start));
    start = end;
  }
  std::string out;
  for (std::string_view chunk : chunks) {
    auto bytes = from_utf8(chunk, std::string(charset).c_str());
    if (!bytes) bytes = std::string(chunk);  // callers pick representable text
    if (!out.empty()) out += "\n ";
    out += "=?" + std::string(charset) + "?" + encoding + "?";
    if (encoding == 'B') {
      out += base64(*bytes, 0);
    } else {
      for (char ch : *bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == ' ') {
          out += '_';
        } else if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '!' ||
                   c == '*' || c == '+' || c == '-' || c == '/') {
          out += static_cast<char>(c);
        } else {
          out += hex_byte(c);
        }
      }
    }
    out += "?=";
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A header value whose non-ASCII words are encoded: runs of adjacent non-ASCII
// words become one encoded segment (blanks between encoded words vanish when
// decoded), ASCII words stay literal.
std::string encode_partially(std::string_view utf8, std::string_view charset, char encoding) {
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= utf8.size();) {
    std::size_t end = utf8.find(' ', start);
    if (end == std::string_view::npos) end = utf8.size();
    words.push_back(utf8.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < words.size();) {
    if (!out.empty()) out += ' ';
    if (is_ascii(words[i])) {
      out += words[i++];
      continue;
    }
    std::size_t j = i;
    while (j < words.size() && !is_ascii(words[j])) ++j;
    const auto* begin = words[i].data();
    const auto* end = words[j - 1].data() + words[j - 1].size();
    out += encoded_words(std::string_view(begin, static_cast<std::size_t>(end - begin)), charset, encoding);
    i = j;
  }
  return out;
}

std::string percent_encoded(std::string_view utf8) {  // RFC 2231 value
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string out;
  for (char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// ------------------------------------------------------------------- content

struct Person {
  std::string_view name;
  std::string_view address;
};

constexpr std::array<Person, 16> ascii_people{{
    {"Jane Doe", "jane.doe@example.com"},         {"Bob Smith", "bob.smith@example.com"},
    {"Carol White", "carol.white@example.com"},   {"Dave Brown", "dave.brown@example.com"},
    {"Erin Clarke", "erin.clarke@example.com"},   {"Frank Li", "frank.li@example.com"},
    {"Grace Kim", "grace.kim@example.com"},       {"Hector Alvarez", "h.alvarez@example.com"},
    {"Irene Novak", "irene.novak@example.com"},   {"Jamal Carter", "jamal.carter@example.com"},
    {"Doe, Jane", "jane.doe@example.com"},        {"Kumar, Priya", "priya.kumar@example.com"},
    {"Liam O'Brien", "liam.obrien@example.com"},  {"Mia Rossi", "mia.rossi@example.com"},
    {"Noah Fischer", "noah.fischer@example.com"}, {"Olivia Brown (Facilities)", "olivia.brown@example.com"},
}};

constexpr std::array<Person, 10> international_people{{
    {"Zoë Martin", "zoe.martin@example.com"},          {"Jürgen Müller", "juergen.mueller@example.com"},
    {"François Lefèvre", "francois.lefevre@example.com"}, {"Søren Kjærgaard", "soren.k@example.com"},
    {"José Núñez", "jose.nunez@example.com"},          {"Ольга Смирнова", "olga.smirnova@example.com"},
    {"田中 太郎", "tanaka.taro@example.com"},          {"Łukasz Wróbel", "lukasz.wrobel@example.com"},
    {"Renée Dubois", "renee.dubois@example.com"},      {"Ümit Yılmaz", "umit.yilmaz@example.com"},
}};

constexpr std::array<Person, 4> desks{{
    {"Requests desk", "requests@example.com"},
    {"IT Helpdesk", "it@example.com"},
    {"HR", "hr@example.com"},
    {"", "requests@example.com"},
}};

constexpr std::array<std::string_view, 14> ascii_subjects{
    "Laptop won't connect to the VPN",      "New starter on Monday: accounts and badge",
    "Printer on 3rd floor keeps jamming",   "Request: access to the finance share",
    "Question about my holiday balance",    "Monitor flickers after docking",
    "Password reset for SAP",               "Parking permit renewal",
    "Broken chair in meeting room B",       "Software install: Visual Studio Code",
    "Expense report stuck in approval",     "Teams calls drop every few minutes",
    "Need a second monitor for home office", "Payslip for May is missing",
};

constexpr std::array<std::string_view, 10> international_subjects{
    "Zugang zum Laufwerk für die Buchhaltung",  "Problème d'imprimante au 3ᵉ étage",
    "Café machine broken — kitchen 2",          "Réinitialisation du mot de passe",
    "Solicitud: portátil nuevo para María",     "Ошибка входа в систему",
    "会議室の予約について",                     "Bürostuhl defekt – Raum 4.12",
    "Urlaubsantrag für Juli ✈",                 "Nouvelle arrivée : création du compte",
};

constexpr std::array<std::string_view, 30> english_sentences{
    "Since this morning my laptop refuses to connect to the VPN from home.",
    "I already restarted it twice and the error message stays the same.",
    "Could someone have a look at it before Thursday, when I present to the board?",
    "We have a new colleague starting on Monday in the logistics team.",
    "She will need an account, a badge for the main building and a laptop.",
    "The printer on the third floor jams every second or third page.",
    "It shows error 0x80070005 and then the whole queue stops.",
    "I would like to request read access to the finance share for the audit.",
    "My manager already approved it by phone, I can forward the approval if needed.",
    "Could you tell me how many days of holiday I have left for this year?",
    "The external monitor flickers as soon as I plug in the docking station.",
    "I tried another cable and another port, no change.",
    "I am locked out of SAP after the password change last Friday.",
    "Our parking permits expire at the end of the month.",
    "One of the chairs in meeting room B has a broken armrest.",
    "Please install Visual Studio Code on my workstation, asset number below.",
    "My expense report from the trade fair has been waiting for approval for three weeks.",
    "Teams calls drop every few minutes, but only in the east wing.",
    "Would it be possible to get a second monitor for my home office?",
    "I could not find my payslip for May in the portal.",
    "This is blocking the month-end closing, so it is fairly urgent.",
    "No rush, whenever someone has time this week is fine.",
    "Let me know if you need anything else from me.",
    "I attached a screenshot of the error in case it helps.",
    "The same problem happened last month and was fixed by resetting my profile.",
    "I am in the office on Tuesday and Wednesday if someone wants to come by.",
    "Several people in my team see the same behaviour.",
    "The ticket number from the phone call was not sent to me by mail.",
    "Thanks a lot for the quick help last time.",
    "I am not sure this is the right address, please forward it if not.",
};

constexpr std::array<std::string_view, 10> international_sentences{
    "Der Drucker im zweiten Stock druckt seit gestern nur noch leere Seiten.",
    "Könnten Sie bitte prüfen, ob mein Zugang zur Zeiterfassung freigeschaltet ist?",
    "L'écran de la salle de réunion « Genève » ne s'allume plus.",
    "Merci de créer un compte pour notre nouvelle collègue, arrivée lundi.",
    "La cafetera de la cocina del segundo piso pierde agua desde ayer.",
    "Ноутбук не подключается к VPN с сегодняшнего утра.",
    "会議室Ｂのプロジェクターが映りません。",
    "Kjøkkenet i fjerde etasje mangler kaffe – kan dere bestille mer?",
    "The café downstairs asked whether we can pay the invoice in € instead of £.",
    "Bitte um Rückmeldung bis Freitag — danke im Voraus!",
};

// The charset kind: the body and headers are written in one language and
// sent in one of the legacy charsets mail still arrives in.
struct LegacyLanguage {
  std::string_view charset;
  Person person;
  std::string_view subject;
  std::string_view greeting;
  std::string_view closing;
  std::string_view marker_prefix;  // the marker is prefix + " AT-nnnnnn"
  std::string_view attribution;    // "{date}" and "{who}" are filled in
  std::array<std::string_view, 6> sentences;
  char header_encoding;
};

const std::array<LegacyLanguage, 5>& legacy_languages() {
  static const std::array<LegacyLanguage, 5> languages{{
      {"ISO-8859-1",
       {"François Lefèvre", "francois.lefevre@example.com"},
       "Problème d'imprimante au deuxième étage",
       "Bonjour,",
       "Merci d'avance,",
       "Numéro d'inventaire du poste :",
       "Le {date}, {who} a écrit :",
       {"L'imprimante du deuxième étage ne fonctionne plus depuis ce matin.",
        "Pourriez-vous vérifier le câble réseau près de la fenêtre ?",
        "Le bureau 214 a besoin d'une chaise ergonomique supplémentaire.",
        "Je n'arrive pas à accéder au répertoire partagé de la comptabilité.",
        "L'écran clignote dès que je branche l'adaptateur HDMI.",
        "Le chauffage de la salle « Genève » reste bloqué à 16 °C."},
       'Q'},
      {"ISO-8859-1",
       {"Jürgen Müller", "juergen.mueller@example.com"},
       "Zugang zum Laufwerk für die Buchhaltung",
       "Hallo zusammen,",
       "Viele Grüße",
       "Inventarnummer für das Gerät:",
       "Am {date} schrieb {who}:",
       {"Seit dem Update startet mein Rechner nur noch im abgesicherten Modus.",
        "Könnten Sie bitte prüfen, ob das Druckerkontingent für unser Team erhöht werden kann?",
        "Für den neuen Kollegen brauchen wir einen Laptop, einen Ausweis und Zugänge.",
        "Die Tür zum Besprechungsraum 3.14 schließt nicht mehr richtig.",
        "Außerdem fehlt im Raum das Verbindungskabel für den Beamer.",
        "Wir bräuchten das bis Donnerstag, da dann die Prüfer kommen."},
       'Q'},
      {"windows-1252",
       {"Renée Dubois", "renee.dubois@example.com"},
       "Angebot über 480 € – bitte freigeben",
       "Hallo,",
       "Danke & Grüße",
       "Kosten ca. 99 € – Inventar „Nr.“",
       "Am {date} schrieb {who}:",
       {"Die Rechnung über 1.250 € für die neuen Monitore ist noch offen – bitte prüfen.",
        "Im Besprechungsraum „Berlin“ fehlt das HDMI-Kabel…",
        "Le devis de 480 € pour les casques n’a pas encore été validé.",
        "Could you order the “ergonomic” keyboard – the one for 89 €?",
        "L’accès VPN ne fonctionne plus depuis la mise à jour…",
        "Das Headset kostet laut Angebot 129 € — geht das über das Teambudget?"},
       'Q'},
      {"ISO-2022-JP",
       {"田中 太郎", "tanaka.taro@example.com"},
       "ノートパソコンのＶＰＮ接続について",
       "お疲れ様です。経理部の田中です。",
       "よろしくお願いいたします。",
       "資産番号：",
       "On {date}, {who} wrote:",
       {"今朝からノートパソコンがＶＰＮに接続できません。", "三階のプリンターで紙詰まりが頻繁に発生しています。",
        "新入社員のアカウント作成をお願いいたします。", "会議室Ｂの予約システムにログインできない状態です。",
        "パスワードの再設定方法を教えていただけますでしょうか。", "至急ご確認いただけますと幸いです。"},
       'B'},
      {"KOI8-R",
       {"Ольга Смирнова", "olga.smirnova@example.com"},
       "Не работает доступ к общему диску",
       "Добрый день!",
       "Спасибо заранее,",
       "Инвентарный номер:",
       "On {date}, {who} wrote:",
       {"С утра не работает доступ к общему диску бухгалтерии.", "Прошу создать учётную запись для нового сотрудника.",
        "Принтер на третьем этаже постоянно зажёвывает бумагу.", "Монитор мерцает при подключении через переходник HDMI.",
        "Подскажите, пожалуйста, как сбросить пароль в SAP.", "Это срочно, так как завтра закрытие месяца."},
       'B'},
  }};
  return languages;
}

constexpr std::array<std::string_view, 6> english_greetings{"Hi team,", "Hello,", "Hi,", "Good morning,",
                                                            "Dear IT team,", "Hi all,"};
constexpr std::array<std::string_view, 5> english_closings{"Thanks,", "Thank you,", "Best regards,", "Cheers,",
                                                           "Kind regards,"};
constexpr std::array<std::string_view, 5> english_marker_prefixes{"The asset tag is", "Asset number:",
                                                                  "For reference, my laptop is",
                                                                  "Inventory number:", "Device tag:"};
constexpr std::array<std::string_view, 6> titles{"Accounts Payable", "Logistics", "Marketing Manager",
                                                 "Facilities", "Software Engineer", "Office Management"};
constexpr std::array<std::string_view, 4> footers{"Sent from my iPhone", "Get Outlook for Android",
                                                  "Sent from my Samsung Galaxy smartphone.", "Sent from my iPad"};

struct Attachment {
  std::string_view content_type;
  std::string_view filename;
  std::string_view magic;  // what real files of this type start with
};
constexpr std::array<Attachment, 6> attachment_types{{
    {"application/pdf", "invoice-2025-0611.pdf", "%PDF-1.7\n"},
    {"image/png", "screenshot.png", "\x89PNG\r\n\x1a\n"},
    {"image/jpeg", "IMG_4021.jpg", "\xff\xd8\xff\xe0"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget_Q3.xlsx", "PK\x03\x04"},
    {"application/zip", "logs.zip", "PK\x03\x04"},
    {"application/pdf", "Rechnung_März.pdf", "%PDF-1.4\n"},
}};

// ---------------------------------------------------------------- the letter

// What one person writes: the new text, then optionally a signature or mobile
// footer, then optionally the history it replies to. Rendered as plain text
// or HTML. Word joiners ('\x01') keep marker phrases on one line.
struct Letter {
  std::string greeting;
  std::vector<std::string> paragraphs;
  std::string closing;
  std::string first_name;
  std::vector<std::string> signature;  // without the "-- " line
  std::string footer;
  std::string attribution;  // "On ..., X wrote:" or empty
  bool outlook_history = false;  // "From:/Sent:/To:/Subject:" block instead of "> "
  std::vector<std::string> outlook_header;
  std::vector<std::string> quoted_paragraphs;
};

constexpr char word_joiner = '\x01';

std::string unjoin(std::string s) {
  std::replace(s.begin(), s.end(), word_joiner, ' ');
  return s;
}

std::string joined(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), ' ', word_joiner);
  return out;
}

// Greedy wrap at `width` bytes; with `flowed`, soft breaks keep a trailing
// space (RFC 3676).
std::vector<std::string> wrap(std::string_view paragraph, std::size_t width, bool flowed) {
  std::vector<std::string> lines;
  std::string line;
  for (std::size_t start = 0; start <= paragraph.size();) {
    std::size_t end = paragraph.find(' ', start);
    if (end == std::string_view::npos) end = paragraph.size();
    std::string_view word = paragraph.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(unjoin(line) + (flowed ? " " : ""));
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(unjoin(line));
  return lines;
}

std::string render_plain(const Letter& letter, bool flowed) {
  std::string out = letter.greeting + "\n\n";
  for (const auto& p : letter.paragraphs) {
    for (const auto& l : wrap(p, 72, flowed)) out += l + "\n";
    out += "\n";
  }
  out += letter.closing + "\n" + letter.first_name + "\n";
  if (!letter.signature.empty()) {
    out += "\n-- \n";
    for (const auto& l : letter.signature) out += l + "\n";
  }
  if (!letter.footer.empty()) out += "\n" + letter.footer + "\n";
  if (letter.outlook_history) {
    out += "\n________________________________\n";
    for (const auto& l : letter.outlook_header) out += l + "\n";
    out += "\n";
    for (const auto& p : letter.quoted_paragraphs) {
      for (const auto& l : wrap(p, 72, flowed)) out += l + "\n";
      out += "\n";
    }
  } else if (!letter.attribution.empty()) {
    out += "\n" + letter.attribution + "\n";
    for (std::size_t i = 0; i < letter.quoted_paragraphs.size(); ++i) {
      // The oldest paragraph is quoted twice, as after two rounds of replies.
      const bool nested = i + 1 == letter.quoted_paragraphs.size() && letter.quoted_paragraphs.size() > 2;
      const std::string prefix = nested ? ">> " : "> ";
      for (const auto& l : wrap(letter.quoted_paragraphs[i], 70, flowed)) out += prefix + l + "\n";
      if (i + 1 < letter.quoted_paragraphs.size()) out += nested ? ">>\n" : ">\n";
    }
  }
  return out;
}

std::string render_html(const Letter& letter) {
  std::string out =
      "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
      "<style type=\"text/css\">p { margin: 0 0 1em 0; } .sig { color: #666666; font-size: 90%; }</style>\n"
      "</head>\n<body>\n<div dir=\"ltr\">\n";
  out += "<p>" + html_escape(letter.greeting) + "</p>\n";
  for (const auto& p : letter.paragraphs) out += "<p>" + html_escape(unjoin(p)) + "</p>\n";
  out += "<p>" + html_escape(letter.closing) + "<br>\n" + html_escape(letter.first_name) + "</p>\n";
  if (!letter.signature.empty()) {
    out += "<div class=\"gmail_signature\" data-smartmail=\"gmail_signature\">-- <br>";
    for (const auto& l : letter.signature) out += html_escape(l) + "<br>";
    out += "</div>\n";
  }
  if (!letter.footer.empty()) out += "<p>" + html_escape(letter.footer) + "</p>\n";
  if (!letter.attribution.empty() || letter.outlook_history) {
    out += "<div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">" +
           html_escape(letter.outlook_history ? letter.outlook_header.front() : letter.attribution) +
           "<br></div>\n<blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;"
           "border-left:1px solid rgb(204,204,204);padding-left:1ex\">\n";
    for (const auto& p : letter.quoted_paragraphs) out += "<p>" + html_escape(unjoin(p)) + "</p>\n";
    out += "</blockquote></div>\n";
  }
  out += "</div>\n</body>\n</html>\n";
  return out;
}

// ------------------------------------------------------------------ messages

enum class Kind { plain, alternative, attachment, encoded_headers, charset };
constexpr std::array<std::string_view, 5> kind_names{"plain", "alternative", "attachment", "encoded_headers", "charset"};
constexpr std::array<std::size_t, 5> kind_percent{35, 25, 15, 15, 10};

// One manifest row: what any correct parser must get from the message.
struct Expected {
  std::string subject;       // decoded, UTF-8
  std::string from_name;     // decoded, UTF-8
  std::string from_address;
  std::string marker;        // in the new text, so in the body and the request text
  std::string quote_marker;  // only in quoted history: in the body, not the request text
  std::string sig_marker;    // only in the signature: not in the request text
  std::string attachment_name;
  std::size_t attachment_bytes = 0;
};

struct Message {
  std::string raw;  // LF line ends until written
  Expected expected;
};

struct Clock {
  std::chrono::sys_seconds utc;
  int offset_minutes;
};

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// RFC 5322 date in the sender's zone, e.g. "Tue, 3 Jun 2025 10:14:22 +0200".
std::string rfc5322_date(const Clock& clock) {
  static constexpr std::array<std::string_view, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto local = clock.utc + std::chrono::minutes(clock.offset_minutes);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{local - day};
  const std::chrono::weekday wd{day};
  const int offset = clock.offset_minutes < 0 ? -clock.offset_minutes : clock.offset_minutes;
  return std::string(days[wd.c_encoding()]) + ", " + std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         std::string(months[static_cast<unsigned>(ymd.month()) - 1]) + " " + std::to_string(static_cast<int>(ymd.year())) +
         " " + two(static_cast<int>(hms.hours().count())) + ":" + two(static_cast<int>(hms.minutes().count())) + ":" +
         two(static_cast<int>(hms.seconds().count())) + " " + (clock.offset_minutes < 0 ? "-" : "+") +
         two(offset / 60) + two(offset % 60);
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  Message make(Kind kind) {
    Message m;
    clock_.utc += std::chrono::seconds(rng_.between(30, 900));
    static constexpr std::array<int, 6> offsets{0, 120, 60, -240, 540, 180};
    clock_.offset_minutes = offsets[rng_.below(offsets.size())];
    const bool reply = rng_.percent(55);

    switch (kind) {
      case Kind::plain: make_plain(m, reply); break;
      case Kind::alternative: make_alternative(m, reply); break;
      case Kind::attachment: make_attachment(m, reply); break;
      case Kind::encoded_headers: make_encoded(m, reply); break;
      case Kind::charset: make_legacy(m, reply); break;
    }
    return m;
  }

 private:
  // ---- letters

  std::string asset_marker(std::string_view prefix) { return std::string(prefix) + " AT-" + rng_.digits(6); }

  Letter english_letter(const Person& from, bool reply, Expected& expected) {
    Letter letter;
    letter.greeting = rng_.pick(english_greetings);
    const std::size_t paragraphs = rng_.between(1, 4);
    const std::size_t marker_at = rng_.below(paragraphs);
    for (std::size_t p = 0; p < paragraphs; ++p) {
      std::string text;
      const std::size_t sentences = rng_.between(1, 4);
      for (std::size_t s = 0; s < sentences; ++s) {
        if (!text.empty()) text += ' ';
        // One message in five mixes in a sentence with non-ASCII text.
        text += rng_.percent(20) ? rng_.pick(international_sentences)
                                 : rng_.pick(english_sentences);
      }
      if (p == marker_at) {
        expected.marker = asset_marker(rng_.pick(english_marker_prefixes));
        text += ' ' + joined(expected.marker + ".");
      }
      letter.paragraphs.push_back(std::move(text));
    }
    letter.closing = rng_.pick(english_closings);
    letter.first_name = std::string(from.name.substr(0, from.name.find_first_of(" ,")));
    add_tail(letter, from, reply, expected, "On {date}, {who} wrote:", english_sentences);
    return letter;
  }

  template <std::size_t N>
  void add_tail(Letter& letter, const Person& from, bool reply, Expected& expected, std::string_view attribution,
                const std::array<std::string_view, N>& sentences) {
    const std::size_t tail = rng_.below(10);
    if (tail < 6) {
      expected.sig_marker = "Ext. " + rng_.digits(4);
      letter.signature = {std::string(from.name), std::string(rng_.pick(titles)) + " | Example Corp",
                          expected.sig_marker, "https://intranet.example.com/people/" + rng_.hex(6)};
    } else if (tail < 8) {
      letter.footer = rng_.pick(footers);
    }
    if (!reply) return;
    const Person& other = rng_.pick(ascii_people);
    Clock earlier = clock_;
    earlier.utc -= std::chrono::seconds(rng_.between(600, 200000));
    std::string when = rfc5322_date(earlier);
    when = when.substr(0, when.size() - 9);  // drop seconds and zone, as mailers do
    std::string who = std::string(other.name) + " <" + std::string(other.address) + ">";
    expected.quote_marker = "PT-" + rng_.digits(6);
    const std::size_t paragraphs = rng_.between(1, 4);
    for (std::size_t p = 0; p < paragraphs; ++p) {
      std::string text;
      const std::size_t count = rng_.between(1, 3);
      for (std::size_t s = 0; s < count; ++s) {
        if (!text.empty()) text += ' ';
        text += rng_.pick(sentences);
      }
      if (p == 0) text += ' ' + joined("Our reference: " + expected.quote_marker + ".");
      letter.quoted_paragraphs.push_back(std::move(text));
    }
    if (attribution.starts_with("On ") && rng_.percent(30)) {
      letter.outlook_history = true;
      letter.outlook_header = {"From: " + who, "Sent: " + when, "To: Requests desk <requests@example.com>",
                               "Subject: " + std::string(rng_.pick(ascii_subjects))};
      return;
    }
    std::string a(attribution);
    a.replace(a.find("{date}"), 6, when);
    a.replace(a.find("{who}"), 5, who);
    letter.attribution = std::move(a);
  }

  // ---- headers

  std::string message_id() {
    switch (rng_.below(3)) {
      case 0: return "<CA+" + rng_.base64ish(40) + "@mail.gmail.com>";
      case 1:
        return "<AM0PR07MB" + rng_.digits(4) + rng_.hex(24) + "@AM0PR07MB" + rng_.digits(4) +
               ".eurprd07.prod.outlook.com>";
      default: return "<" + rng_.hex(16) + "." + rng_.digits(10) + "@mail.example.net>";
    }
  }

  std::string received_chain(std::string_view to_address) {
    std::string out;
    const std::size_t hops = rng_.between(2, 4);
    Clock hop = clock_;
    hop.offset_minutes = 0;
    for (std::size_t i = 0; i < hops; ++i) {
      const std::string ip = "203.0.113." + std::to_string(rng_.between(1, 254));
      out += "Received: from mail-" + rng_.hex(6) + ".example.net (mail-" + rng_.hex(6) + ".example.net [" + ip +
             "])\n\tby mx" + std::to_string(i + 1) + ".example.com (Postfix) with ESMTPS id " + rng_.hex(10) +
             "\n\tfor <" + std::string(to_address) + ">; " + rfc5322_date(hop) + " (UTC)\n";
      hop.utc -= std::chrono::seconds(rng_.between(1, 5));
    }
    return out;
  }

  std::string dkim() {
    std::string b = rng_.base64ish(344);
    std::string out = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=sel" +
                      rng_.digits(4) + ";\n\th=from:to:subject:date:message-id:mime-version:content-type;\n\tbh=" +
                      rng_.base64ish(43) + "=;\n\tb=";
    for (std::size_t i = 0; i < b.size(); i += 70) out += (i == 0 ? "" : "\n\t ") + b.substr(i, 70);
    return out + "\n";
  }

  std::string exchange_headers() {
    static constexpr std::array<std::string_view, 8> names{
        "X-MS-Has-Attach", "X-MS-TNEF-Correlator", "X-MS-Exchange-Organization-SCL", "X-MS-Office365-Filtering-Correlation-Id",
        "X-Forefront-Antispam-Report", "X-MS-Exchange-CrossTenant-OriginalArrivalTime", "x-ms-publictraffictype",
        "X-Microsoft-Antispam"};
    std::string out = "Thread-Topic: " + std::string(rng_.pick(ascii_subjects)) +
                      "\nThread-Index: " + rng_.base64ish(32) + "==\n";
    const std::size_t n = rng_.between(2, names.size());
    for (std::size_t i = 0; i < n; ++i) {
      out += std::string(names[i]) + ": ";
      out += i % 2 == 0 ? rng_.hex(8) + "-" + rng_.hex(4) + "-" + rng_.hex(4) + "-" + rng_.hex(12)
                        : "CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:" + rng_.hex(12) +
                              ";\n\tPTR:;CAT:NONE;SFS:(13230031)(4636009)(39860400002)(376002);DIR:OUT;";
      out += "\n";
    }
    return out;
  }

  // The envelope and identity headers every message has; `from_field`,
  // `subject_field` and the To/Cc values are already encoded as needed.
  std::string common_headers(const std::string& from_field, const std::string& from_address,
                             const std::string& subject_field, bool reply, bool encode_cc) {
    const Person& desk = rng_.pick(desks);
    std::string out = "Return-Path: <" + from_address + ">\n";
    out += "Delivered-To: " + std::string(desk.address) + "\n";
    out += received_chain(desk.address);
    if (rng_.percent(50)) out += dkim();
    const std::string id = message_id();
    out += "Message-ID: " + id + "\n";
    out += "Date: " + rfc5322_date(clock_) + "\n";
    out += "From: " + from_field + "\n";
    out += "To: " + (desk.name.empty() ? std::string(desk.address)
                                       : std::string(desk.name) + " <" + std::string(desk.address) + ">") + "\n";
    if (rng_.percent(30)) {
      std::string cc;
      const std::size_t n = rng_.between(1, 3);
      for (std::size_t i = 0; i < n; ++i) {
        const Person& p = encode_cc && rng_.percent(50) ? rng_.pick(international_people)
                                                        : rng_.pick(ascii_people);
        std::string name = is_ascii(p.name) ? "\"" + std::string(p.name) + "\""
                                            : encoded_words(p.name, "UTF-8", rng_.percent(50) ? 'B' : 'Q');
        cc += (i == 0 ? "" : ",\n ") + name + " <" + std::string(p.address) + ">";
      }
      out += "Cc: " + cc + "\n";
    }
    out += "Subject: " + subject_field + "\n";
    if (reply) {
      const std::string parent = message_id();
      out += "In-Reply-To: " + parent + "\nReferences: " + message_id() + "\n " + parent + "\n";
    }
    switch (rng_.below(4)) {
      case 0: out += "X-Mailer: Microsoft Outlook 16.0\n" + exchange_headers(); break;
      case 1: out += "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.12.2\n"; break;
      case 2: out += "X-Mailer: iPhone Mail (21F90)\n"; break;
      default: break;
    }
    out += "MIME-Version: 1.0\n";
    return out;
  }

  static std::string name_field(const Person& p) {
    const bool needs_quotes = p.name.find_first_of(",()'") != std::string_view::npos;
    return (needs_quotes ? "\"" + std::string(p.name) + "\"" : std::string(p.name)) + " <" + std::string(p.address) + ">";
  }

  std::string reply_prefix(bool reply) {
    static constexpr std::array<std::string_view, 4> prefixes{"Re: ", "RE: ", "AW: ", "Re: "};
    return reply ? std::string(rng_.pick(prefixes)) : std::string();
  }

  std::string boundary() {
    return rng_.percent(50) ? "000000000000" + rng_.hex(16) : "----=_Part_" + rng_.digits(6) + "_" + rng_.digits(9) +
                                                                  "." + rng_.digits(13);
  }

  // ---- bodies

  // A text/plain part in UTF-8: 7bit when ASCII, else 8bit or quoted-printable.
  std::string plain_part_headers_and_body(const Letter& letter, bool allow_flowed) {
    const bool flowed = allow_flowed && rng_.percent(20);
    const std::string text = render_plain(letter, flowed);
    std::string ct = "Content-Type: text/plain; charset=";
    if (is_ascii(text) && rng_.percent(60)) {
      ct += "us-ascii";
      if (flowed) ct += "; format=flowed";
      return ct + "\nContent-Transfer-Encoding: 7bit\n\n" + text;
    }
    ct += rng_.percent(50) ? "\"UTF-8\"" : "utf-8";
    if (flowed) ct += "; format=flowed";
    if (rng_.percent(50)) return ct + "\nContent-Transfer-Encoding: 8bit\n\n" + text;
    return ct + "\nContent-Transfer-Encoding: quoted-printable\n\n" + quoted_printable(text);
  }

  std::string html_part_headers_and_body(const Letter& letter) {
    return "Content-Type: text/html; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n" +
           quoted_printable(render_html(letter));
  }

  std::string alternative_body(const std::string& b, const Letter& letter) {
    std::string out = rng_.percent(30) ? "This is a multi-part message in MIME format.\n\n" : "";
    out += "--" + b + "\n" + plain_part_headers_and_body(letter, false) + "\n";
    out += "--" + b + "\n" + html_part_headers_and_body(letter) + "\n";
    out += "--" + b + "--\n";
    return out;
  }

  void make_plain(Message& m, bool reply) {
    const Person& from = rng_.pick(ascii_people);
    Letter letter = english_letter(from, reply, m.expected);
    m.expected.subject = reply_prefix(reply) + std::string(rng_.pick(ascii_subjects));
    m.expected.from_name = from.name;
    m.expected.from_address = from.address;
    m.raw = common_headers(name_field(from), std::string(from.address), m.expected.subject, reply, false);
    m.raw += plain_part_headers_and_body(letter, true);
  }

  void make_alternative(Message& m, bool reply) {
    const Person& from = rng_.pick(ascii_people);
    Letter letter = english_letter(from, reply, m.expected);
    m.expected.subject = reply_prefix(reply) + std::string(rng_.pick(ascii_subjects));
    m.expected.from_name = from.name;
    m.expected.from_address = from.address;
    const std::string b = boundary();
    m.raw = common_headers(name_field(from), std::string(from.address), m.expected.subject, reply, false);
    m.raw += "Content-Type: multipart/alternative; boundary=\"" + b + "\"\n\n" + alternative_body(b, letter);
  }

  void make_attachment(Message& m, bool reply) {
    const Person& from = rng_.pick(ascii_people);
    Letter letter = english_letter(from, reply, m.expected);
    m.expected.subject = reply_prefix(reply) + std::string(rng_.pick(ascii_subjects));
    m.expected.from_name = from.name;
    m.expected.from_address = from.address;
    const Attachment& type = rng_.pick(attachment_types);
    std::string data(type.magic);
    const std::size_t size = rng_.between(5 * 1024, 50 * 1024);
    while (data.size() < size) data += static_cast<char>(rng_.below(256));
    m.expected.attachment_name = type.filename;
    m.expected.attachment_bytes = data.size();

    const std::string outer = boundary();
    m.raw = common_headers(name_field(from), std::string(from.address), m.expected.subject, reply, false);
    m.raw += "Content-Type: multipart/mixed; boundary=\"" + outer + "\"\n\n";
    if (rng_.percent(40)) {
      const std::string inner = boundary();
      m.raw += "--" + outer + "\nContent-Type: multipart/alternative; boundary=\"" + inner + "\"\n\n" +
               alternative_body(inner, letter) + "\n";
    } else {
      m.raw += "--" + outer + "\n" + plain_part_headers_and_body(letter, false) + "\n";
    }
    m.raw += "--" + outer + "\n";
    std::string name = std::string(type.filename);
    if (is_ascii(name)) {
      m.raw += "Content-Type: " + std::string(type.content_type) + "; name=\"" + name +
               "\"\nContent-Disposition: attachment; filename=\"" + name + "\"";
    } else {  // Outlook style: RFC 2047 in name=, RFC 2231 in filename*=
      m.raw += "Content-Type: " + std::string(type.content_type) + ";\n\tname=\"" + encoded_words(name, "UTF-8", 'Q') +
               "\"\nContent-Disposition: attachment;\n\tfilename*=UTF-8''" + percent_encoded(name);
    }
    m.raw += "; size=" + std::to_string(data.size()) + "\nContent-Transfer-Encoding: base64\n\n" + base64(data, 76) +
             "\n--" + outer + "--\n";
  }

  void make_encoded(Message& m, bool reply) {
    const Person& from = rng_.pick(international_people);
    Letter letter = english_letter(from, reply, m.expected);
    const std::string_view base = rng_.pick(international_subjects);
    const std::string prefix = reply_prefix(reply);
    m.expected.subject = prefix + std::string(base);
    m.expected.from_name = from.name;
    m.expected.from_address = from.address;
    // Latin-1 text is sent in ISO-8859-1 a third of the time, as older clients do.
    const bool latin1 = from_utf8(base, "ISO-8859-1").has_value() && rng_.percent(33);
    const char encoding = rng_.percent(50) ? 'B' : 'Q';
    std::string subject_field = prefix;
    if (rng_.percent(30)) {
      subject_field += encode_partially(base, latin1 ? "ISO-8859-1" : "UTF-8", 'Q');
    } else {
      subject_field += encoded_words(base, latin1 ? "ISO-8859-1" : "UTF-8", encoding);
    }
    const bool name_latin1 = from_utf8(from.name, "ISO-8859-1").has_value() && rng_.percent(33);
    const std::string from_field =
        encoded_words(from.name, name_latin1 ? "ISO-8859-1" : "UTF-8", rng_.percent(50) ? 'B' : 'Q') + " <" +
        std::string(from.address) + ">";
    m.raw = common_headers(from_field, std::string(from.address), subject_field, reply, true);
    if (rng_.percent(30)) {
      const std::string b = boundary();
      m.raw += "Content-Type: multipart/alternative; boundary=\"" + b + "\"\n\n" + alternative_body(b, letter);
    } else {
      m.raw += plain_part_headers_and_body(letter, true);
    }
  }

  void make_legacy(Message& m, bool reply) {
    const LegacyLanguage& lang = rng_.pick(legacy_languages());
    const std::string charset(lang.charset);
    Letter letter;
    letter.greeting = lang.greeting;
    const std::size_t paragraphs = rng_.between(1, 3);
    const std::size_t marker_at = rng_.below(paragraphs);
    for (std::size_t p = 0; p < paragraphs; ++p) {
      std::string text;
      const std::size_t sentences = rng_.between(1, 3);
      for (std::size_t s = 0; s < sentences; ++s) {
        if (!text.empty()) text += ' ';
        text += rng_.pick(lang.sentences);
      }
      if (p == marker_at) {
        m.expected.marker = asset_marker(lang.marker_prefix);
        text += ' ' + joined(m.expected.marker);
      }
      letter.paragraphs.push_back(std::move(text));
    }
    letter.closing = lang.closing;
    letter.first_name = std::string(lang.person.name.substr(0, lang.person.name.find(' ')));
    add_tail(letter, lang.person, reply, m.expected, lang.attribution, lang.sentences);

    const std::string prefix = reply_prefix(reply);
    m.expected.subject = prefix + std::string(lang.subject);
    m.expected.from_name = lang.person.name;
    m.expected.from_address = lang.person.address;
    const std::string subject_field = prefix + encoded_words(lang.subject, charset, lang.header_encoding);
    const std::string from_field =
        encoded_words(lang.person.name, charset, lang.header_encoding) + " <" + std::string(lang.person.address) + ">";
    m.raw = common_headers(from_field, std::string(lang.person.address), subject_field, reply, false);

    auto part = [&](const std::string& utf8_text, std::string_view subtype) {
      const std::string bytes = from_utf8(utf8_text, charset.c_str()).value_or(utf8_text);
      std::string out = "Content-Type: text/" + std::string(subtype) + "; charset=\"" + charset + "\"\n";
      if (lang.charset == "ISO-2022-JP" || rng_.percent(40)) {
        std::string crlf;  // base64 of text carries canonical CRLF line ends
        for (char c : bytes) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        return out + "Content-Transfer-Encoding: base64\n\n" + base64(crlf, 76);
      }
      return out + "Content-Transfer-Encoding: quoted-printable\n\n" + quoted_printable(bytes);
    };
    std::string plain = render_plain(letter, false);
    if (rng_.percent(30)) {
      std::string html = render_html(letter);
      html.replace(html.find("charset=utf-8"), 13, "charset=" + charset);
      const std::string b = boundary();
      m.raw += "Content-Type: multipart/alternative; boundary=\"" + b + "\"\n\n--" + b + "\n" + part(plain, "plain") +
               "\n--" + b + "\n" + part(html, "html") + "\n--" + b + "--\n";
    } else {
      m.raw += part(plain, "plain");
    }
  }

  Rng rng_;
  Clock clock_{std::chrono::sys_days{std::chrono::year{2025} / 6 / 2} + std::chrono::hours(6), 0};
};

std::string crlf(std::string_view lf) {
  std::string out;
  out.reserve(lf.size() + lf.size() / 40);
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

bool parse_number(std::string_view s, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

int run(int argc, char** argv) {
  std::filesystem::path out_dir;
  std::uint64_t count = 2000;
  std::uint64_t seed = 20250602;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--out" && has_value) {
      out_dir = args[++i];
    } else if (args[i] == "--count" && has_value && parse_number(args[i + 1], count) && count > 0) {
      ++i;
    } else if (args[i] == "--seed" && has_value && parse_number(args[i + 1], seed)) {
      ++i;
    } else {
      std::cerr << "usage: intake_bench_corpus --out DIR [--count N] [--seed S]\n";
      return 64;  // EX_USAGE
    }
  }
  if (out_dir.empty()) {
    std::cerr << "usage: intake_bench_corpus --out DIR [--count N] [--seed S]\n";
    return 64;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec)) {
    if (entry.path().extension() == ".eml") std::filesystem::remove(entry.path(), ec);
  }
  if (ec) {
    std::cerr << "intake_bench_corpus: " << out_dir.string() << ": " << ec.message() << "\n";
    return 73;  // EX_CANTCREAT
  }

  // Exact shares, then a seeded shuffle so kinds are interleaved.
  std::vector<Kind> kinds;
  for (std::size_t k = 1; k < kind_percent.size(); ++k) {
    kinds.insert(kinds.end(), static_cast<std::size_t>(count) * kind_percent[k] / 100, static_cast<Kind>(k));
  }
  kinds.insert(kinds.begin(), static_cast<std::size_t>(count) - kinds.size(), Kind::plain);
  Rng shuffle(seed ^ 0x5EEDULL);
  for (std::size_t i = kinds.size(); i > 1; --i) std::swap(kinds[i - 1], kinds[shuffle.below(i)]);

  Generator generator(seed);
  std::ofstream manifest(out_dir / "manifest.tsv", std::ios::binary);
  manifest << "file\tkind\tbytes\tsubject\tfrom_name\tfrom_address\tmarker\tquote_marker\tsig_marker\t"
              "attachment_name\tattachment_bytes\n";
  std::array<std::size_t, 5> per_kind{};
  std::array<std::size_t, 5> per_kind_bytes{};
  std::size_t total_bytes = 0;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Message m = generator.make(kinds[i]);
    const std::string raw = crlf(m.raw);
    char name[32];
    std::snprintf(name, sizeof name, "%05zu.eml", i + 1);
    std::ofstream file(out_dir / name, std::ios::binary);
    file << raw;
    if (!file) {
      std::cerr << "intake_bench_corpus: cannot write " << (out_dir / name).string() << "\n";
      return 73;
    }
    const auto k = static_cast<std::size_t>(kinds[i]);
    ++per_kind[k];
    per_kind_bytes[k] += raw.size();
    total_bytes += raw.size();
    const Expected& e = m.expected;
    manifest << name << '\t' << kind_names[k] << '\t' << raw.size() << '\t' << e.subject << '\t' << e.from_name << '\t'
             << e.from_address << '\t' << e.marker << '\t' << e.quote_marker << '\t' << e.sig_marker << '\t'
             << e.attachment_name << '\t' << e.attachment_bytes << '\n';
  }
  if (!manifest) {
    std::cerr << "intake_bench_corpus: cannot write manifest.tsv\n";
    return 73;
  }
  std::cout << "corpus: " << kinds.size() << " messages, " << total_bytes << " bytes in " << out_dir.string()
            << " (seed " << seed << ")\n";
  for (std::size_t k = 0; k < per_kind.size(); ++k) {
    std::cout << "  " << kind_names[k] << ": " << per_kind[k] << " messages, " << per_kind_bytes[k] << " bytes\n";
  }
  return 0;
}

}  // namespace
}  // namespace intake::bench

int main(int argc, char** argv) { return intake::bench::run(argc, argv); }
