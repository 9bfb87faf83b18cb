#pragma once
// The documents of one manifest file as a read-only tree, built from yaml-cpp's parser events.
//
// Why not YAML::Node: yaml-cpp keeps every node of a document behind a shared_ptr in one
// std::set, and a YAML::Node that is assigned to merges that whole set into its own. Reading a
// manifest field by field through YAML::Node cost twice as much as parsing it, and a mapping of
// a few thousand keys went quadratic. This tree takes the same events, applies the same rules
// as yaml-cpp's own node builder, and lives in one arena per file.
//
// Same rules as YAML::Node, so every reader sees what it saw before: an alias is the anchored
// node itself (its mark is the anchor's; cycles are possible, as in yaml-cpp), mappings keep
// duplicate keys in document order, a null node has an empty tag, and a collection's scalar is
// empty.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <yaml-cpp/mark.h>

namespace podwall {

class YamlNode {
 public:
  enum class Kind : uint8_t { null, scalar, sequence, map };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_scalar() const { return kind_ == Kind::scalar; }
  bool is_sequence() const { return kind_ == Kind::sequence; }
  bool is_map() const { return kind_ == Kind::map; }

  // yaml-cpp's tag: "?" for plain scalars and untagged collections, "!" for quoted scalars,
  // otherwise the resolved explicit tag.
  std::string_view tag() const { return tag_; }
  std::string_view scalar() const { return scalar_; }
  // 0-based, as yaml-cpp gives it.
  const YAML::Mark& mark() const { return mark_; }

  // Items of a sequence, entries of a mapping; 0 otherwise.
  size_t size() const { return size_; }
  const YamlNode& item(size_t i) const { return *links_[i]; }
  const YamlNode& key(size_t i) const { return *links_[2 * i]; }
  const YamlNode& value(size_t i) const { return *links_[2 * i + 1]; }

 private:
  friend class YamlTreeBuilder;

  Kind kind_ = Kind::null;
  uint32_t size_ = 0;
  YAML::Mark mark_;
  std::string_view tag_;
  std::string_view scalar_;
  const YamlNode* const* links_ = nullptr;  // items, or key and value of each entry
};

// Nodes, links and text of every document of a file. Movable; nodes never move.
class YamlFile {
 public:
  YamlFile() = default;
  YamlFile(YamlFile&&) = default;
  YamlFile& operator=(YamlFile&&) = default;

  const std::vector<const YamlNode*>& documents() const { return documents_; }

 private:
  friend class YamlTreeBuilder;

  void* allocate(size_t bytes);

  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* next_ = nullptr;
  size_t left_ = 0;
  std::vector<const YamlNode*> documents_;
};

// Every document of `bytes`, as YAML::LoadAll reads them. Throws what yaml-cpp's parser throws
// (YAML::ParserException with a mark, YAML::DeepRecursion, ...).
YamlFile parse_yaml_documents(std::string_view bytes);

}  // namespace podwall
