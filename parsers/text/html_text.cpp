#include "parsers/text/html_text.hpp"
#include "parsers/common/strings.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>
#include <vector>

#include "parsers/common/charset.hpp"

namespace intake::parsers {
namespace {

// Line breaks a block boundary asks for: one (a new line) or two (a blank line).
constexpr int line_break = 1;
constexpr int paragraph_break = 2;
constexpr std::string_view quote_prefix = "> ";
constexpr std::string_view nbsp_utf8 = "\xC2\xA0";
constexpr std::string_view mailto_scheme = "mailto:";
constexpr std::string_view javascript_scheme = "javascript:";

std::string_view name_of(const xmlNode* node) {
  return node->name ? std::string_view(reinterpret_cast<const char*>(node->name)) : std::string_view{};
}

std::string attribute(const xmlNode* node, std::string_view wanted) {
  for (const xmlAttr* a = node->properties; a; a = a->next) {
    if (!a->name || ascii_lower(reinterpret_cast<const char*>(a->name)) != wanted) continue;
    std::string value;
    for (const xmlNode* c = a->children; c; c = c->next) {
      if (c->content) value += reinterpret_cast<const char*>(c->content);
    }
    return value;
  }
  return {};
}

bool has_class(const xmlNode* node, std::string_view cls) {
  const std::string classes = attribute(node, "class");
  std::size_t pos = 0;
  while (pos < classes.size()) {
    while (pos < classes.size() && classes[pos] == ' ') ++pos;
    std::size_t end = classes.find(' ', pos);
    if (end == std::string::npos) end = classes.size();
    if (std::string_view(classes).substr(pos, end - pos) == cls) return true;
    pos = end;
  }
  return false;
}

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Accumulates text the way a browser lays it out, one line at a time.
class TextSink {
 public:
  void text(std::string_view t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      if (t.substr(i, nbsp_utf8.size()) == nbsp_utf8) {  // &nbsp; reads as a space
        c = ' ';
        ++i;
      }
      if (pre_depth_ > 0) {
        if (c == '\n') {
          hard_break();
          continue;
        }
        if (c == '\r') continue;
        put(c, true);
        continue;
      }
      if (is_space(c)) {
        pending_space_ = true;
        continue;
      }
      put(c, false);
    }
  }
  // A list marker: starts its line, and the item's text follows after a space.
  void marker(std::string_view m) {
    for (char c : m) put(c, true);
    pending_space_ = true;
  }
  void block(int breaks) { pending_breaks_ = std::max(pending_breaks_, breaks); }
  void hard_break() { pending_breaks_ = std::min(pending_breaks_ + 1, paragraph_break); force_line_ = true; }
  void space() { pending_space_ = true; }
  void quote_in() { ++quote_depth_; }
  void quote_out() {
    if (quote_depth_ > 0) --quote_depth_;
  }
  void pre_in() { ++pre_depth_; }
  void pre_out() {
    if (pre_depth_ > 0) --pre_depth_;
  }
  std::size_t size() const { return out_.size(); }
  std::string_view since(std::size_t mark) const { return std::string_view(out_).substr(std::min(mark, out_.size())); }
  std::string finish();

 private:
  void put(char c, bool keep_spaces) {
    if (!out_.empty() && (pending_breaks_ > 0 || force_line_)) {
      const int breaks = std::max(pending_breaks_, 1);
      for (int b = 0; b < breaks; ++b) {
        // A blank line inside a quote stays quoted; one at its edge does not.
        if (b > 0) prefix(std::min(line_depth_, quote_depth_));
        out_ += '\n';
      }
      at_line_start_ = true;
      pending_space_ = false;
    }
    pending_breaks_ = 0;
    force_line_ = false;
    if (at_line_start_) {
      prefix(quote_depth_);
      line_depth_ = quote_depth_;
      at_line_start_ = false;
      pending_space_ = false;
    } else if (pending_space_ && !keep_spaces) {
      out_ += ' ';
    }
    if (pending_space_ && keep_spaces && c != ' ') out_ += ' ';
    pending_space_ = false;
    out_ += c;
  }
  void prefix(int depth) {
    for (int q = 0; q < depth; ++q) out_ += quote_prefix;
  }

  std::string out_;
  int pending_breaks_ = 0;
  bool force_line_ = false;
  bool pending_space_ = false;
  bool at_line_start_ = true;
  int quote_depth_ = 0;
  int line_depth_ = 0;  // quote depth of the line last started
  int pre_depth_ = 0;
};

// Trailing blanks off every line, at most one blank line in a row, no blank
// lines at either end. A line holding only quote marks counts as blank when
// deciding on runs, but is kept so the quote block stays contiguous.
std::string TextSink::finish() {
  std::string result;
  result.reserve(out_.size());
  std::size_t pos = 0;
  bool previous_blank = true;
  std::size_t blank_pending = 0;
  std::string pending_line;
  while (pos <= out_.size()) {
    std::size_t end = out_.find('\n', pos);
    if (end == std::string::npos) end = out_.size();
    std::string_view line = std::string_view(out_).substr(pos, end - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const bool blank = line.find_first_not_of("> ") == std::string_view::npos;
    if (blank) {
      if (!previous_blank && blank_pending == 0) {
        blank_pending = 1;
        pending_line = std::string(line);
      }
    } else {
      if (blank_pending > 0) result += pending_line + "\n";
      blank_pending = 0;
      result.append(line);
      result += '\n';
    }
    previous_blank = blank;
    pos = end + 1;
  }
  while (!result.empty() && result.back() == '\n') result.pop_back();
  return result;
}

struct ListState {
  bool ordered = false;
  int counter = 0;
};

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

void init_libxml_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { xmlInitParser(); });
}

bool starts_quoting_rest(const xmlNode* node) {
  const std::string id = attribute(node, "id");
  return id == "appendonsend" || id == "divRplyFwdMsg";
}

// Blocks that stand apart from the text around them by a blank line.
bool is_paragraph_like(std::string_view name) {
  return is_one_of(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "ul", "ol", "dl"});
}

bool is_list(std::string_view name) { return name == "ul" || name == "ol"; }

// One walk over the parsed document; the open elements, the lists and the
// Outlook quoting share this state.
class HtmlWalker {
 public:
  std::string run(const xmlNode* root);

 private:
  struct Frame {
    const xmlNode* node;
    std::size_t link_mark;  // where the text of an <a> starts
    bool quoted;
  };

  bool enter(const xmlNode* node);  // false: skip the children
  void open_block(std::string_view name, const xmlNode* node, Frame& frame);
  void open_list_item();
  const xmlNode* climb(const xmlNode* node, const xmlNode* root);
  void leave(const Frame& frame);
  void close_link(const Frame& frame);

  TextSink sink_;
  std::vector<ListState> lists_;
  std::vector<Frame> stack_;  // open elements; the walk never recurses
  bool quoting_rest_ = false;
};

std::string HtmlWalker::run(const xmlNode* root) {
  const xmlNode* node = root;
  while (node) {
    if (enter(node) && node->children) {
      node = node->children;
      continue;
    }
    node = climb(node, root);
  }
  return sink_.finish();
}

// Climbs until a sibling is found, closing the elements left behind; nullptr
// once the root is closed.
const xmlNode* HtmlWalker::climb(const xmlNode* node, const xmlNode* root) {
  while (node) {
    if (!stack_.empty() && stack_.back().node == node) {
      const Frame frame = stack_.back();
      stack_.pop_back();
      leave(frame);
    }
    if (node == root) return nullptr;
    if (node->next) return node->next;
    node = node->parent;
  }
  return nullptr;
}

bool HtmlWalker::enter(const xmlNode* node) {
  if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
    if (node->content) sink_.text(reinterpret_cast<const char*>(node->content));
    return false;
  }
  if (node->type != XML_ELEMENT_NODE) return false;
  const std::string name = ascii_lower(name_of(node));
  if (is_one_of(name, {"script", "style", "head", "title", "noscript", "template", "object", "iframe"})) return false;
  if (!quoting_rest_ && starts_quoting_rest(node)) {
    quoting_rest_ = true;  // Outlook puts the quoted history after this marker, not inside it
    sink_.block(paragraph_break);
    sink_.quote_in();
  }
  Frame frame{node, sink_.size(), false};
  open_block(name, node, frame);
  if (is_list(name)) lists_.push_back({name == "ol", 0});
  if (name == "li") open_list_item();
  if (name == "pre") sink_.pre_in();
  stack_.push_back(frame);
  return true;
}

// The break, space or text an element asks for where it opens.
void HtmlWalker::open_block(std::string_view name, const xmlNode* node, Frame& frame) {
  if (name == "blockquote" || (name == "div" && has_class(node, "gmail_quote"))) {
    sink_.block(paragraph_break);
    sink_.quote_in();
    frame.quoted = true;
  } else if (is_paragraph_like(name)) {
    sink_.block(lists_.empty() || !is_list(name) ? paragraph_break : line_break);
  } else if (is_one_of(name, {"div", "tr", "dt", "dd", "hr", "section", "article", "header", "footer", "center",
                              "address", "form", "caption"})) {
    sink_.block(line_break);
  } else if (name == "br") {
    sink_.hard_break();
  } else if (name == "td" || name == "th") {
    sink_.space();
  } else if (name == "img") {
    const std::string alt = attribute(node, "alt");
    if (!alt.empty()) {
      sink_.space();
      sink_.text(alt);
      sink_.space();
    }
  }
}

void HtmlWalker::open_list_item() {
  sink_.block(line_break);
  if (!lists_.empty() && lists_.back().ordered) {
    sink_.marker(std::to_string(++lists_.back().counter) + ".");
  } else {
    sink_.marker("-");
  }
}

void HtmlWalker::leave(const Frame& frame) {
  const std::string name = ascii_lower(name_of(frame.node));
  if (frame.quoted) {
    sink_.block(paragraph_break);
    sink_.quote_out();
  } else if (is_paragraph_like(name)) {
    sink_.block(lists_.size() > 1 && is_list(name) ? line_break : paragraph_break);
  } else if (is_one_of(name, {"div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "center",
                              "address", "form", "caption"})) {
    sink_.block(line_break);
  }
  if (is_list(name) && !lists_.empty()) lists_.pop_back();
  if (name == "pre") sink_.pre_out();
  if (name == "a") close_link(frame);
}

// A link's target after its text, unless the text already shows it.
void HtmlWalker::close_link(const Frame& frame) {
  std::string href = attribute(frame.node, "href");
  const std::string_view shown = sink_.since(frame.link_mark);
  std::string_view text = shown;
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  std::string_view target = href;
  if (ascii_lower(target.substr(0, mailto_scheme.size())) == mailto_scheme) target.remove_prefix(mailto_scheme.size());
  const bool useful = !href.empty() && href.front() != '#' && ascii_lower(href.substr(0, javascript_scheme.size())) != javascript_scheme;
  if (useful && text != target && text != href && !text.empty()) {
    sink_.space();
    sink_.text("(" + href + ")");
  }
}

}  // namespace

std::string html_to_text(std::string_view html_utf8) {
  init_libxml_once();
  if (html_utf8.size() > html_limits.max_input_bytes) html_utf8 = html_utf8.substr(0, html_limits.max_input_bytes);
  std::string input = sanitize_utf8(html_utf8);
  std::replace(input.begin(), input.end(), '\0', ' ');  // libxml2 stops at NUL
  if (input.empty()) return {};
  const std::unique_ptr<xmlDoc, DocFree> doc(
      htmlReadMemory(input.data(), static_cast<int>(std::min<std::size_t>(input.size(), INT_MAX)), nullptr, "UTF-8",
                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  if (!doc) return {};
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return {};
  return HtmlWalker().run(root);
}

}  // namespace intake::parsers
