#!/usr/bin/env bash
# Runs one fuzz target: scripts/fuzz.sh <package> <target> <fuzztime>, where
# fuzztime is a duration (15s) or a number of inputs (500000x).
# With a duration, Go's fuzzer (go1.26 and older) sometimes ends on time with
# "context deadline exceeded" and no failing input: its coordinator races its
# own deadline. That run found nothing, so it is run once more; `make test`
# uses counts, which have no deadline. A real failure (a failing input written
# to testdata/fuzz) fails at once.
set -uo pipefail
pkg=$1 target=$2 time=$3
for attempt in 1 2; do
  out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg" 2>&1)
  status=$?
  printf '%s\n' "$out"
  [ $status -eq 0 ] && exit 0
  if [ $attempt -eq 1 ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
    echo "fuzz.sh: $target ended on the fuzzer's own deadline with no failing input; running it again"
    continue
  fi
  exit $status
done
