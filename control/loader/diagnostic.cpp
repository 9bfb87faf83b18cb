#include "control/loader/diagnostic.h"

#include <algorithm>

namespace podwall {

std::string Diagnostic::to_string() const {
  std::string out = pos.line > 0 ? pos.to_string() : pos.file;
  out += ": ";
  if (severity == Severity::note) out += "note: ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.is_error(); });
}

void DiagnosticSink::error(int line, int column, std::string field, std::string message) {
  out_.push_back(Diagnostic{Diagnostic::Severity::error, SourcePos{file_, line, column},
                            std::move(field), std::move(message)});
  ++errors_;
}

void DiagnosticSink::note(int line, int column, std::string field, std::string message) {
  out_.push_back(Diagnostic{Diagnostic::Severity::note, SourcePos{file_, line, column},
                            std::move(field), std::move(message)});
}

}  // namespace podwall
