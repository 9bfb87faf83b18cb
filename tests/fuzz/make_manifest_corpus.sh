#!/usr/bin/env bash
# Writes the manifest and store fuzzers' seed corpora from the lab scenarios and the
# semantic-rule folders. tests/data/manifest/corpus: per folder its manifests as one file, and
# that file followed by a NUL and an edited copy (a label value, a port and a CIDR changed), so
# the fuzzer starts with inputs that reach update()'s patch paths. tests/data/store/corpus: see
# below.
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

# The store fuzzer's seeds: per lab scenario, its files arriving one by one, a pod file edited,
# a namespace relabelled and back, the policies removed and put back (operations separated by
# NUL; an operation's first byte names the file by its low two bits, so f0 is written \4; see
# fuzz_store.cpp).
store=tests/data/store/corpus
rm -rf "$store"
mkdir -p "$store"
for dir in config/lab/*/; do
  name=$(basename "$dir")
  [[ -f $dir/pods.yaml ]] || continue
  {
    printf '\4'; cat "$dir/namespaces.yaml"; printf '\0'
    printf '\1'; cat "$dir/pods.yaml"; printf '\0'
    if [[ -f $dir/policies.yaml ]]; then printf '\2'; cat "$dir/policies.yaml"; printf '\0'; fi
    printf '\1'; sed -e '0,/app: [a-z]*/s//app: edited/' "$dir/pods.yaml"; printf '\0'
    printf '\4'; sed -e '0,/^    \([a-z./-]*\): [a-z0-9-]*$/s//    \1: relabelled/' \
      "$dir/namespaces.yaml"; printf '\0'
    printf '\4'; cat "$dir/namespaces.yaml"; printf '\0'
    printf '\202\0'
    if [[ -f $dir/policies.yaml ]]; then printf '\2'; cat "$dir/policies.yaml"; fi
  } >"$store/$name.bin"
done
echo "wrote $(ls "$store" | wc -l) seeds to $store"
