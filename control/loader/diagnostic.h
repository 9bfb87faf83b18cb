#pragma once
// What the loader tells the operator: one finding about one place in one manifest. Errors make
// the file they belong to fail (its last good objects stay in force); notes never do.

#include <string>
#include <vector>

#include "control/model.h"

namespace podwall {

struct Diagnostic {
  enum class Severity { error, note };

  Severity severity = Severity::error;
  SourcePos pos;      // line/column 0 when the finding is about a whole file or directory
  std::string field;  // e.g. spec.ingress[0].from[1].ipBlock.except[0]; empty for file-level
  std::string message;

  bool is_error() const { return severity == Severity::error; }
  // "file:line:column: field.path: reason"; notes read "file:line:column: note: ...".
  std::string to_string() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics);

// Collects diagnostics for one file. Lines and columns are 1-based; columns count bytes, as
// yaml-cpp's marks do, so every position in a file uses the same unit.
class DiagnosticSink {
 public:
  DiagnosticSink(std::string file, std::vector<Diagnostic>& out)
      : file_(std::move(file)), out_(out) {}

  void error(int line, int column, std::string field, std::string message);
  void note(int line, int column, std::string field, std::string message);

  const std::string& file() const { return file_; }
  bool failed() const { return errors_ > 0; }

 private:
  std::string file_;
  std::vector<Diagnostic>& out_;
  size_t errors_ = 0;
};

}  // namespace podwall
