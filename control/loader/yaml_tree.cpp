#include "control/loader/yaml_tree.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace podwall {
namespace {

constexpr size_t block_bytes = size_t(64) << 10;
constexpr size_t alignment = alignof(std::max_align_t);

// "unexpected ','" for the byte a parse is stuck on.
std::string unexpected_byte(std::string_view bytes, int pos) {
  if (pos < 0 || size_t(pos) >= bytes.size()) return "unexpected end of file";
  const unsigned char c = static_cast<unsigned char>(bytes[size_t(pos)]);
  if (c >= 0x20 && c < 0x7f) return std::string("unexpected '") + char(c) + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", c);
  return std::string("unexpected byte ") + hex;
}

}  // namespace

void* YamlFile::allocate(size_t bytes) {
  bytes = (bytes + alignment - 1) / alignment * alignment;
  if (bytes > left_) {
    size_t size = std::max(bytes, block_bytes);
    blocks_.push_back(std::make_unique<std::byte[]>(size));
    next_ = blocks_.back().get();
    left_ = size;
  }
  void* out = next_;
  next_ += bytes;
  left_ -= bytes;
  return out;
}

// Mirrors yaml-cpp's NodeBuilder step for step (the open-node stack, the pending-key stack and
// the map depth that decides whether a pushed node is a key), so that aliases, odd keys and
// broken-off collections come out exactly as YAML::Node shows them. The one difference: a
// collection's children are gathered on a scratch stack and stored once, when it ends.
class YamlTreeBuilder final : public YAML::EventHandler {
 public:
  explicit YamlTreeBuilder(YamlFile& file) : file_(file) {}

  // LoadAll gives every document a fresh builder; anchors do not cross documents.
  void begin_document() {
    stack_.clear();
    keys_.clear();
    pending_.clear();
    anchors_.assign(1, nullptr);  // yaml-cpp numbers anchors from 1
    map_depth_ = 0;
    root_ = nullptr;
  }

  // A document without a node is YAML::Node(), as NodeBuilder::Root() gives it.
  void end_document() { file_.documents_.push_back(root_ ? root_ : &no_root()); }

  const YAML::Mark& document_start() const { return document_start_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    push(create(YamlNode::Kind::null, mark, anchor, {}));
    pop();
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    push(anchors_.at(anchor));
    pop();
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode* node = create(YamlNode::Kind::scalar, mark, anchor, tag);
    node->scalar_ = copy(value);
    push(node);
    pop();
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    push(create(YamlNode::Kind::sequence, mark, anchor, tag));
  }

  void OnSequenceEnd() override {
    finish_collection();
    pop();
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    push(create(YamlNode::Kind::map, mark, anchor, tag));
    ++map_depth_;
  }

  void OnMapEnd() override {
    --map_depth_;
    finish_collection();
    pop();
  }

 private:
  struct Open {
    YamlNode* node;
    size_t first_pending;  // where this collection's children start in pending_
  };
  struct PushedKey {
    YamlNode* node;
    bool complete;
  };

  static const YamlNode& no_root() {
    static const YamlNode node = [] {
      YamlNode n;
      n.mark_ = YAML::Mark::null_mark();
      return n;
    }();
    return node;
  }

  std::string_view copy(std::string_view text) {
    if (text.empty()) return {};
    // The two tags nearly every node carries need no copy.
    if (text == "?") return "?";
    if (text == "!") return "!";
    char* out = static_cast<char*>(file_.allocate(text.size()));
    std::memcpy(out, text.data(), text.size());
    return {out, text.size()};
  }

  YamlNode* create(YamlNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor,
                   std::string_view tag) {
    YamlNode* node = new (file_.allocate(sizeof(YamlNode))) YamlNode;
    node->kind_ = kind;
    node->mark_ = mark;
    node->tag_ = copy(tag);
    if (anchor) anchors_.push_back(node);  // the parser hands out anchors in order
    return node;
  }

  void push(YamlNode* node) {
    bool needs_key = !stack_.empty() && stack_.back().node->is_map() && keys_.size() < map_depth_;
    stack_.push_back({node, pending_.size()});
    if (needs_key) keys_.push_back({node, false});
  }

  void pop() {
    if (stack_.size() == 1) {
      root_ = stack_.back().node;
      stack_.pop_back();
      return;
    }
    YamlNode* node = stack_.back().node;
    stack_.pop_back();
    YamlNode* collection = stack_.back().node;
    if (collection->is_sequence()) {
      pending_.push_back(node);
    } else if (collection->is_map()) {
      PushedKey& key = keys_.back();
      if (key.complete) {
        pending_.push_back(key.node);
        pending_.push_back(node);
        keys_.pop_back();
      } else {
        key.complete = true;
      }
    } else {
      stack_.clear();  // cannot happen: only collections stay open
    }
  }

  void finish_collection() {
    Open& open = stack_.back();
    size_t count = pending_.size() - open.first_pending;
    if (count > 0) {
      auto* links = static_cast<const YamlNode**>(file_.allocate(count * sizeof(const YamlNode*)));
      std::copy(pending_.begin() + ptrdiff_t(open.first_pending), pending_.end(), links);
      open.node->links_ = links;
    }
    open.node->size_ = uint32_t(open.node->is_map() ? count / 2 : count);
    pending_.resize(open.first_pending);
  }

  YamlFile& file_;
  std::vector<Open> stack_;
  std::vector<PushedKey> keys_;
  std::vector<const YamlNode*> pending_;
  std::vector<YamlNode*> anchors_;
  size_t map_depth_ = 0;
  YamlNode* root_ = nullptr;
  YAML::Mark document_start_;
};

YamlFile parse_yaml_documents(std::string_view bytes) {
  YamlFile file;
  std::istringstream input{std::string(bytes)};
  YAML::Parser parser(input);
  YamlTreeBuilder builder(file);
  // yaml-cpp 0.7 never consumes a ',' outside a flow collection: it reports an empty document
  // there, and again on every later call, forever. A document that starts where the previous
  // one started has consumed nothing, so the parse is stuck on that byte.
  int previous_start = -1;
  for (;;) {
    builder.begin_document();
    if (!parser.HandleNextDocument(builder)) break;
    const YAML::Mark& start = builder.document_start();
    if (start.pos == previous_start) {
      throw YAML::ParserException(start, unexpected_byte(bytes, start.pos));
    }
    previous_start = start.pos;
    builder.end_document();
  }
  return file;
}

}  // namespace podwall
