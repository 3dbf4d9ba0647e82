#!/usr/bin/env bash
# `npm run test:loaded`: the whole `npm test` beside a CPU hog on every core (one `yes >/dev/null` per core), the
# check that the suite does not depend on a quiet machine. Prints the wall time; exits with npm test's status.
set -u
cd "$(dirname "$0")/.."
cores=$(nproc)
hogs=()
for _ in $(seq "$cores"); do
  yes >/dev/null &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
echo "test:loaded: ${cores} CPU hogs running (pids ${hogs[*]})"
start=$(date +%s)
npm test
status=$?
echo "test:loaded: npm test exited ${status} after $(( $(date +%s) - start )) s beside ${cores} CPU hogs"
exit $status
