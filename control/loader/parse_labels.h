#pragma once
// Label maps and label selectors, validated as the API server validates them.

#include <optional>

#include "control/loader/yaml_reader.h"
#include "control/model.h"

namespace podwall {

// A map of label key -> label value. Absent or null is an empty map.
Labels read_labels(DiagnosticSink& sink, const Field& field);

// A metav1.LabelSelector. Absent or null -> nullopt (the caller decides what that means).
std::optional<LabelSelector> read_label_selector(DiagnosticSink& sink, const Field& field);

}  // namespace podwall
