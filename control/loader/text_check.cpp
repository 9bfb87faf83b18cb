#include "control/loader/text_check.h"

#include <cstdio>
#include <string>
#include <vector>

#include "control/loader/limits.h"

namespace podwall {
namespace {

// Length of the UTF-8 sequence at `p`, or 0 if it is not well-formed (overlong forms,
// surrogates and code points past U+10FFFF included).
size_t utf8_sequence_length(std::string_view text, size_t p) {
  auto byte = [&](size_t i) { return uint8_t(text[i]); };
  uint8_t b0 = byte(p);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (p + len > text.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(p + i) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (byte(p + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool check_encoding(DiagnosticSink& sink, std::string_view text) {
  int line = 1;
  int column = 1;
  for (size_t p = 0; p < text.size();) {
    uint8_t c = uint8_t(text[p]);
    if (c == '\n') {
      ++line, column = 1, ++p;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "control character 0x%02X is not allowed in a manifest", c);
      sink.error(line, column, "", buf);
      return false;
    }
    size_t len = utf8_sequence_length(text, p);
    if (len == 0) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02X; manifests must be UTF-8 text", c);
      sink.error(line, column, "", buf);
      return false;
    }
    p += len;
    column += int(len);
  }
  return true;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Line-by-line scanner. Block structure is tracked as a stack of indentation columns; flow
// brackets add to it. Quoted scalars, comments and block scalar bodies are skipped so that
// brackets inside them do not count.
class NestingScanner {
 public:
  NestingScanner(int depth_limit, size_t node_limit)
      : limit_(depth_limit), node_limit_(node_limit) {}

  TextShape run(std::string_view text) {
    size_t start = 0;
    int line_no = 0;
    while (start <= text.size() && result_.depth <= limit_ && result_.nodes <= node_limit_) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_no == 0 && line.starts_with("\xEF\xBB\xBF")) {
        // A UTF-8 byte order mark reads as indentation, so the first token is still a token.
        std::string first(line);
        first.replace(0, 3, "   ");
        scan_line(first, ++line_no);
      } else {
        scan_line(line, ++line_no);
      }
      start = end + 1;
    }
    return result_;
  }

 private:
  enum class Quote { none, single, dbl };

  void reached(int depth, int line, size_t index) {
    if (depth > result_.depth) result_ = {depth, line, int(index) + 1};
  }
  int depth() const { return int(block_.size()) + flow_; }

  void scan_line(std::string_view line, int line_no) {
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    bool blank = indent == line.size() || line[indent] == '#';
    if (block_scalar_indent_ >= 0) {
      if (blank || int(indent) > block_scalar_indent_) return;
      block_scalar_indent_ = -1;
    }
    size_t i = indent;
    if (quote_ == Quote::none && flow_ == 0) {
      if (blank) return;
      bool marker = line.size() >= 3 &&
                    (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") &&
                    (line.size() == 3 || is_blank(line[3]));
      if (marker) {
        ++result_.nodes;
        block_.clear();
        line_indent_ = 0;
        line_level_open_ = false;
        i = 3;
      } else {
        while (!block_.empty() && block_.back() > int(indent)) block_.pop_back();
        line_indent_ = int(indent);
        line_level_open_ = !block_.empty() && block_.back() == int(indent);
      }
    }
    scan_tokens(line, i, line_no);
  }

  // A line opens a block collection only when it holds a key or an entry indicator; a line that
  // is just a flow collection or a scalar must not count as a level of its own.
  void open_line_level(int line_no) {
    if (line_level_open_) return;
    line_level_open_ = true;
    if (block_.empty() || block_.back() < line_indent_) push_block(line_indent_, line_no);
  }

  void push_block(int column, int line_no) {
    block_.push_back(column);
    reached(depth(), line_no, size_t(column));
  }

  void scan_tokens(std::string_view line, size_t i, int line_no) {
    bool in_plain = false;  // inside a block-context plain scalar: brackets are literal text
    for (; i < line.size(); ++i) {
      char c = line[i];
      if (quote_ == Quote::single) {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote_ = Quote::none;
          }
        }
        continue;
      }
      if (quote_ == Quote::dbl) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote_ = Quote::none;
        }
        continue;
      }
      bool token_start = i == 0 || is_blank(line[i - 1]) || line[i - 1] == '[' ||
                         line[i - 1] == '{' || line[i - 1] == ',';
      if (c == '#' && (i == 0 || is_blank(line[i - 1]))) return;
      if (in_plain) {
        if (c == ':' && (i + 1 == line.size() || is_blank(line[i + 1]))) {
          in_plain = false;
          ++result_.nodes;
          open_line_level(line_no);
        }
        continue;
      }
      if (flow_ > 0) {
        if (c == ',' || (c == ':' && i > 0 && (line[i - 1] == '"' || line[i - 1] == '\''))) {
          ++result_.nodes;
        } else if (c == '[' || c == '{') {
          ++result_.nodes;
          ++flow_;
          reached(depth(), line_no, i);
          if (result_.depth > limit_) return;
        } else if (c == ']' || c == '}') {
          --flow_;
        } else if ((c == '\'' || c == '"') && token_start) {
          quote_ = c == '"' ? Quote::dbl : Quote::single;
        }
        continue;
      }
      if (c == ':' && (i + 1 == line.size() || is_blank(line[i + 1]))) {
        ++result_.nodes;
        open_line_level(line_no);
        continue;
      }
      if (!token_start || is_blank(c)) continue;
      switch (c) {
        case '[':
        case '{':
          ++result_.nodes;
          ++flow_;
          reached(depth(), line_no, i);
          if (result_.depth > limit_) return;
          break;
        case '\'':
        case '"':
          quote_ = c == '"' ? Quote::dbl : Quote::single;
          break;
        case '-':
        case '?':
          if (i + 1 == line.size() || is_blank(line[i + 1])) {
            ++result_.nodes;
            open_line_level(line_no);
            nest_entry(line, i, line_no);
          } else {
            in_plain = true;
          }
          break;
        case '|':
        case '>':
          if (starts_block_scalar(line, i)) {
            block_scalar_indent_ = block_.empty() ? 0 : block_.back();
            return;
          }
          in_plain = true;
          break;
        case '&':
        case '!':
        case '*':
          while (i + 1 < line.size() && !is_blank(line[i + 1])) ++i;
          break;
        default:
          in_plain = true;
      }
    }
  }

  // "- - x" and "- key: v" open a nested block collection on the same line.
  void nest_entry(std::string_view line, size_t i, int line_no) {
    size_t next = i + 1;
    while (next < line.size() && line[next] == ' ') ++next;
    if (next >= line.size() || line[next] == '#') return;
    if (block_.empty() || block_.back() < int(next)) push_block(int(next), line_no);
  }

  static bool starts_block_scalar(std::string_view line, size_t i) {
    size_t j = i + 1;
    while (j < line.size() &&
           (line[j] == '+' || line[j] == '-' || (line[j] >= '1' && line[j] <= '9'))) {
      ++j;
    }
    while (j < line.size() && is_blank(line[j])) ++j;
    return j == line.size() || line[j] == '#';
  }

  int limit_;
  size_t node_limit_;
  std::vector<int> block_;
  int flow_ = 0;
  Quote quote_ = Quote::none;
  int block_scalar_indent_ = -1;
  int line_indent_ = 0;
  bool line_level_open_ = false;
  TextShape result_;
};

}  // namespace

TextShape estimate_shape(std::string_view text, int depth_limit, size_t node_limit) {
  return NestingScanner(depth_limit, node_limit).run(text);
}

bool check_manifest_text(DiagnosticSink& sink, std::string_view text) {
  if (text.size() > max_manifest_bytes) {
    sink.error(1, 1, "",
               "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                   std::to_string(max_manifest_bytes) + " bytes (16 MiB)");
    return false;
  }
  if (!check_encoding(sink, text)) return false;
  TextShape shape = estimate_shape(text, max_nesting_depth, max_nodes_per_file);
  if (shape.depth > max_nesting_depth) {
    sink.error(shape.line, shape.column, "",
               "collections nested deeper than " + std::to_string(max_nesting_depth) +
                   " levels; the limit is " + std::to_string(max_nesting_depth));
    return false;
  }
  if (shape.nodes > max_nodes_per_file) {
    sink.error(1, 1, "",
               "more than " + std::to_string(max_nodes_per_file) +
                   " YAML nodes in this file; the limit is " + std::to_string(max_nodes_per_file));
    return false;
  }
  return true;
}

}  // namespace podwall
