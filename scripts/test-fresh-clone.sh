#!/usr/bin/env bash
# `npm run test:fresh [-- loaded]`: what CI does, here: clone the committed HEAD into a temporary folder, `npm ci`, then
# `npm test` (or `npm run test:loaded` with the argument `loaded`). Prints the wall time of each phase; exits with the
# test command's status. Uncommitted changes are not part of the clone, as in CI.
set -u
repo="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-plain}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/cod-fresh-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
git clone -q --no-hardlinks "$repo" "$dir/repo" || exit 1
cd "$dir/repo" || exit 1
echo "test:fresh: $(git rev-parse --short HEAD) cloned into $dir/repo"
start=$(date +%s)
npm ci --no-audit --no-fund >/dev/null || { echo "test:fresh: npm ci failed"; exit 1; }
installed=$(date +%s)
echo "test:fresh: npm ci took $(( installed - start )) s"
if [ "$mode" = loaded ]; then npm run test:loaded; else npm test; fi
status=$?
echo "test:fresh: ${mode} run exited ${status}: npm ci $(( installed - start )) s, tests $(( $(date +%s) - installed )) s, total $(( $(date +%s) - start )) s"
exit $status
