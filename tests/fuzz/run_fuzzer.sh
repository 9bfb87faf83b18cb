#!/usr/bin/env bash
# Runs a libFuzzer target on a copy of its seed corpus, so that the inputs it discovers land in
# a scratch directory and never in the committed corpus.
# Usage: run_fuzzer.sh FUZZER SEED_DIR [libFuzzer options...]
set -euo pipefail
fuzzer=$1
seeds=$2
shift 2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/podwall-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# New inputs go to the first directory; the seeds are only read.
exec_status=0
"$fuzzer" "$@" "$scratch" "$seeds" || exec_status=$?
exit "$exec_status"
