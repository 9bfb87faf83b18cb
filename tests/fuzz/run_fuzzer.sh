#!/usr/bin/env bash
# Runs a libFuzzer target on copies of its seed directories, so that the inputs it discovers
# land in a scratch directory and never in a committed one. Every seed is run first, so a
# regressions/ directory of inputs that once failed is replayed on each run.
# Usage: run_fuzzer.sh FUZZER SEED_DIR... [libFuzzer options (starting with -)...]
set -euo pipefail
fuzzer=$1
shift
seeds=()
while (($#)) && [[ $1 != -* ]]; do
  seeds+=("$1")
  shift
done
scratch=$(mktemp -d "${TMPDIR:-/tmp}/podwall-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# New inputs go to the first directory; the seeds are only read.
exec_status=0
"$fuzzer" "$@" "$scratch" "${seeds[@]}" || exec_status=$?
exit "$exec_status"
