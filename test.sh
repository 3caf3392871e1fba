#!/usr/bin/env bash
# Runs the whole test suite (unit, grain, API, restart, kill -9, concurrency, PostgreSQL cluster) and ends
# with one line: "N passed, N failed[, N skipped]". Exit code is non-zero if anything failed.
#   ./test.sh           everything (what CI runs)
#   ./test.sh --fast    the inner loop: domain, API and in-process grain tests; leaves out the property-based
#                       runs, the tests that start host processes (Durability/, Api/HostProcessTests) and the
#                       PostgreSQL cluster tests (Cluster/)
# Other arguments go to `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"

target=Connects.Orleans.sln
if [ "${1:-}" = "--fast" ]; then
  shift
  target=tests/Connects.Tests/Connects.Tests.csproj   # the test project and what it references, not the bench
  set -- --filter "FullyQualifiedName!~Connects.Tests.Cluster.&FullyQualifiedName!~Connects.Tests.Durability.&FullyQualifiedName!~Connects.Tests.Properties.&FullyQualifiedName!~Connects.Tests.Api.HostProcessTests" "$@"
fi

results="$(pwd)/TestResults"
rm -rf "$results"
dotnet build "$target" -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
dotnet test "$target" -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
