#!/usr/bin/env bash
# Writes the manifest fuzzer's seed corpus (tests/data/manifest/corpus) from the lab scenarios
# and the semantic-rule folders: per folder its manifests as one file, and that file followed
# by a NUL and an edited copy (a label value, a port and a CIDR changed), so the fuzzer starts
# with inputs that reach update()'s patch paths.
# Usage: tests/fuzz/make_manifest_corpus.sh   (from the project root)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/data/manifest/corpus
rm -rf "$out"
mkdir -p "$out"
for dir in config/lab/*/ tests/data/semantics/*/; do
  name=$(basename "$dir")
  files=("$dir"*.yaml)
  [[ -e ${files[0]} ]] || continue
  merged=$(for f in "${files[@]}"; do cat "$f"; printf -- '---\n'; done)
  printf '%s\n' "$merged" >"$out/$name.yaml"
  edited=$(printf '%s\n' "$merged" |
    sed -e '0,/app: [a-z]*/s//app: edited/' -e '0,/port: [0-9]*/s//port: 8443/' \
      -e '0,/cidr: [0-9.]*\//s//cidr: 198.18.0.0\//')
  { printf '%s\n' "$merged"; printf '\0'; printf '%s\n' "$edited"; } >"$out/$name-edit.bin"
done
echo "wrote $(ls "$out" | wc -l) seeds to $out"
