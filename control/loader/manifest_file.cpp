#include "control/loader/manifest_file.h"

#include <map>
#include <optional>
#include <tuple>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>

#include "control/loader/limits.h"
#include "control/loader/parse_objects.h"
#include "control/loader/text_check.h"
#include "control/loader/yaml_reader.h"
#include "control/loader/yaml_structure.h"
#include "control/loader/yaml_tree.h"

namespace podwall {
namespace {

struct KindInfo {
  const char* kind;
  const char* api_version;
  const char* list_kind;
};

constexpr KindInfo known_kinds[] = {
    {"Namespace", "v1", "NamespaceList"},
    {"Pod", "v1", "PodList"},
    {"NetworkPolicy", "networking.k8s.io/v1", "NetworkPolicyList"},
};

const KindInfo* find_kind(std::string_view kind) {
  for (const KindInfo& info : known_kinds) {
    if (kind == info.kind) return &info;
  }
  return nullptr;
}

const KindInfo* find_list_kind(std::string_view kind) {
  for (const KindInfo& info : known_kinds) {
    if (kind == info.list_kind) return &info;
  }
  return nullptr;
}

class FileParser {
 public:
  FileParser(FileLoad& out) : out_(out), sink_(out.path, out.diagnostics) {}

  void run(std::string_view bytes) {
    if (!check_manifest_text(sink_, bytes)) return;
    YamlFile documents;
    try {
      documents = parse_yaml_documents(bytes);
    } catch (const YAML::DeepRecursion& e) {
      sink_.error(
          e.mark.line + 1, e.mark.column + 1, "",
          "collections nested too deeply; the limit is " + std::to_string(max_nesting_depth));
      return;
    } catch (const YAML::Exception& e) {
      sink_.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
      return;
    } catch (const std::exception& e) {
      sink_.error(1, 1, "", std::string("cannot parse: ") + e.what());
      return;
    }
    NodeBudget budget;
    for (const YamlNode* document : documents.documents()) {
      Field root = Field::root(*document);
      if (!check_structure(sink_, root, budget)) {
        if (budget.exhausted) return;
        continue;
      }
      try {
        read_document(root);
      } catch (const std::exception& e) {
        // yaml-cpp throws on misuse we do not expect; never let it escape a file.
        report_error(sink_, root, std::string("internal error while reading: ") + e.what());
      }
    }
    check_duplicates();
  }

 private:
  void read_document(const Field& root) {
    if (!root.present()) return;  // empty document
    if (!root.node->is_map()) {
      report_error(
          sink_, root,
          "a manifest must be a mapping with apiVersion and kind, not " + describe(root.node));
      return;
    }
    read_object(root, nullptr);
  }

  // `list_item_of` is set for items of a typed list (PodList, ...), whose items may omit
  // apiVersion and kind, as the API server returns them.
  void read_object(const Field& object, const KindInfo* list_item_of) {
    Field kind_field = object.child("kind");
    Field version_field = object.child("apiVersion");
    std::optional<std::string> kind, version;
    if (list_item_of && !kind_field.present()) {
      kind = list_item_of->kind;
    } else {
      kind = read_required_string(sink_, kind_field);
    }
    if (list_item_of && !version_field.present()) {
      version = list_item_of->api_version;
    } else {
      version = read_required_string(sink_, version_field);
    }
    if (!kind) return;
    if (*kind == "List" || find_list_kind(*kind)) {
      if (object.path.find("items[") != std::string::npos) {
        report_error(sink_, kind_field, "a List inside a List is not supported");
        return;
      }
      read_list(object, find_list_kind(*kind));
      return;
    }
    const KindInfo* info = find_kind(*kind);
    if (!info) {
      report_note(sink_, kind_field, "skipped: kind " + *kind + " is not used by podwall");
      return;
    }
    if (!version) return;
    if (*version != info->api_version) {
      std::string message =
          *kind + " must be apiVersion " + info->api_version + ", not \"" + *version + "\"";
      if (*kind == std::string("NetworkPolicy") && version->starts_with("extensions/")) {
        message += " (extensions/v1beta1 NetworkPolicy was removed in Kubernetes 1.16)";
      }
      report_error(sink_, version_field, message);
      return;
    }
    if (info == &known_kinds[0]) {
      out_.namespaces.push_back(parse_namespace(sink_, object));
    } else if (info == &known_kinds[1]) {
      out_.pods.push_back(parse_pod(sink_, object));
    } else {
      out_.policies.push_back(parse_network_policy(sink_, object));
    }
  }

  void read_list(const Field& list, const KindInfo* item_kind) {
    Field items = list.child("items");
    if (!expect_list(sink_, items)) return;
    for (const Field& item : items.items()) {
      if (!item.present()) continue;
      if (!expect_map(sink_, item)) continue;
      read_object(item, item_kind);
    }
  }

  // The same object twice in one file is a mistake in that file, so the file fails. (Across
  // files the ObjectStore keeps the first and reports the second.)
  void check_duplicates() {
    std::map<std::tuple<std::string, std::string, std::string>, SourcePos> seen;
    auto check = [&](const char* kind, const std::string& ns, const std::string& name,
                     const SourcePos& pos) {
      if (name.empty()) return;
      auto [it, inserted] = seen.emplace(std::tuple(kind, ns, name), pos);
      if (inserted) return;
      std::string what = std::string(kind) + " " + (ns.empty() ? name : ns + "/" + name);
      sink_.error(pos.line, pos.column, "metadata.name",
                  what + " is defined twice in this file; first at " + it->second.to_string());
    };
    for (const auto& ns : out_.namespaces) check("Namespace", "", ns.name, ns.pos);
    for (const auto& pod : out_.pods) check("Pod", pod.namespace_name, pod.name, pod.pos);
    for (const auto& policy : out_.policies) {
      check("NetworkPolicy", policy.namespace_name, policy.name, policy.pos);
    }
  }

  FileLoad& out_;
  DiagnosticSink sink_;
};

}  // namespace

FileLoad parse_manifest_file(const std::string& display_path, std::string_view bytes) {
  FileLoad out;
  out.path = display_path;
  try {
    FileParser(out).run(bytes);
  } catch (const std::exception& e) {
    out.diagnostics.push_back(Diagnostic{Diagnostic::Severity::error, SourcePos{display_path, 1, 1},
                                         "", std::string("internal error: ") + e.what()});
  }
  return out;
}

FileLoad unreadable_file(const std::string& display_path, Diagnostic error) {
  FileLoad load;
  load.path = display_path;
  load.diagnostics.push_back(std::move(error));
  return load;
}

}  // namespace podwall
