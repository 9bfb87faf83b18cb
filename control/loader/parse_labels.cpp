#include "control/loader/parse_labels.h"

#include <algorithm>

#include "control/loader/validate_names.h"

namespace podwall {
namespace {

std::optional<SelectorOp> selector_op(std::string_view text) {
  if (text == "In") return SelectorOp::in;
  if (text == "NotIn") return SelectorOp::not_in;
  if (text == "Exists") return SelectorOp::exists;
  if (text == "DoesNotExist") return SelectorOp::does_not_exist;
  return std::nullopt;
}

std::optional<std::string> read_label_key(DiagnosticSink& sink, const Field& field) {
  auto key = read_required_string(sink, field);
  if (!key) return std::nullopt;
  if (auto problem = check_label_key(*key)) {
    report_error(sink, field, *problem);
    return std::nullopt;
  }
  return key;
}

std::optional<SelectorRequirement> read_requirement(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) {
    report_error(sink, field, "must be a mapping with key and operator, not null");
    return std::nullopt;
  }
  if (!expect_map(sink, field)) return std::nullopt;
  SelectorRequirement req;
  auto key = read_label_key(sink, field.child("key"));
  Field op_field = field.child("operator");
  auto op_text = read_required_string(sink, op_field);
  std::optional<SelectorOp> op;
  if (op_text) {
    op = selector_op(*op_text);
    if (!op) {
      report_error(
          sink, op_field,
          "unknown operator \"" + *op_text + "\"; expected In, NotIn, Exists or DoesNotExist");
    }
  }
  Field values_field = field.child("values");
  bool values_ok = true;
  if (expect_list(sink, values_field)) {
    for (const Field& item : values_field.items()) {
      auto value = read_string(sink, item);
      if (!value) {
        if (!item.present()) report_error(sink, item, "must be a string, not null");
        values_ok = false;
        continue;
      }
      if (auto problem = check_label_value(*value)) {
        report_error(sink, item, *problem);
        values_ok = false;
        continue;
      }
      req.values.push_back(*value);
    }
  } else if (values_field.present()) {
    values_ok = false;
  }
  if (op) {
    bool wants_values = *op == SelectorOp::in || *op == SelectorOp::not_in;
    bool has_values = values_field.is_list() && values_field.node->size() > 0;
    if (wants_values && !has_values && values_ok) {
      report_error(sink, values_field, "must be non-empty when operator is " + *op_text);
    } else if (!wants_values && has_values) {
      report_error(sink, values_field, "must be empty when operator is " + *op_text);
    }
  }
  if (!key || !op || !values_ok) return std::nullopt;
  req.key = *key;
  req.op = *op;
  std::sort(req.values.begin(), req.values.end());
  req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
  return req;
}

}  // namespace

Labels read_labels(DiagnosticSink& sink, const Field& field) {
  Labels labels;
  if (!expect_map(sink, field)) return labels;
  for (const auto& [key_field, value_field] : field.entries()) {
    if (!key_field.node->is_scalar()) continue;  // reported by the structure check
    std::string key(key_field.node->scalar());
    bool ok = true;
    if (auto problem = check_label_key(key)) {
      report_error(sink, key_field, *problem);
      ok = false;
    }
    std::string value;
    if (value_field.present()) {
      auto text = read_string(sink, value_field);
      if (!text) continue;
      value = *text;
      if (auto problem = check_label_value(value)) {
        report_error(sink, value_field, *problem);
        ok = false;
      }
    }
    if (ok) labels.emplace(key, value);
  }
  return labels;
}

std::optional<LabelSelector> read_label_selector(DiagnosticSink& sink, const Field& field) {
  if (!field.present()) return std::nullopt;
  if (!expect_map(sink, field)) return std::nullopt;
  LabelSelector selector;
  selector.match_labels = read_labels(sink, field.child("matchLabels"));
  Field expressions = field.child("matchExpressions");
  if (expect_list(sink, expressions)) {
    for (const Field& item : expressions.items()) {
      if (auto req = read_requirement(sink, item)) {
        selector.match_expressions.push_back(std::move(*req));
      }
    }
  }
  return selector;
}

}  // namespace podwall
