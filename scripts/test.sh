#!/usr/bin/env bash
# Runs every Chattorum test on a fresh Debian/Ubuntu machine with the .NET 10 SDK: installs what the tests
# need (Debian's redis-server and rabbitmq-server, which the AppHost test starts as private nodes; Debian's
# chromium, which the web page's tests drive through Playwright; the npm packages of the Kubernetes manifest
# validator), restores NuGet packages, builds without warnings, runs the whole suite, then a short smoke run of
# the load tool against two real chat nodes (scripts/bench.sh smoke: it must lose nothing; its speed is not judged).
# It reports the line coverage of ChatApi and StockBot (the whole run must reach 85%) and the recovery times the
# fault tests measured.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Hubs]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
install_local_services test.sh
install_chromium test.sh

# The offline Kubernetes schema validator the Deploy tests run (tools/k8s-validate): Node.js and its locked npm
# packages, installed again only when package-lock.json changed since the last install.
install_k8s_validator() {
    local dir=tools/k8s-validate
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install test.sh nodejs npm
    fi
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
        cp "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"
    fi
}
install_k8s_validator

# Aspire's orchestrator writes temporary files; keep them in a folder this run owns and removes.
run_tmp=$(mktemp -d)
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build Chattorum.sln -c Release -warnaserror
log="$run_tmp/test.log"
coverage="$run_tmp/coverage"
export CHATTORUM_RELIABILITY_LOG="$run_tmp/reliability.jsonl"
set +e
dotnet test Chattorum.sln -c Release --no-build "$@" \
    --collect:"XPlat Code Coverage" --results-directory "$coverage" \
    -- "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[Chattorum.ChatApi]*%2c[Chattorum.StockBot]*" \
       "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.ExcludeByAttribute=GeneratedCodeAttribute%2cCompilerGeneratedAttribute" \
    2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The load tool against real nodes, on the whole run only (not when a filter picks some tests).
smoke_status=0
if [ $# -eq 0 ]; then
    echo "test.sh: load smoke (scripts/bench.sh smoke)"
    BENCH_NO_BUILD=1 scripts/bench.sh smoke || smoke_status=$?
fi

# What the fault tests measured, one line each.
if [ -s "$CHATTORUM_RELIABILITY_LOG" ]; then
    echo "recovery times measured by the fault tests:"
    sed -E 's/^\{"fault":"([^"]*)","measure":"([^"]*)","ms":([0-9.]+)\}$/  \1: \2 after \3 ms/; s/\\u0027/'"'"'/g' "$CHATTORUM_RELIABILITY_LOG"
fi

# Line coverage of the two services, from coverlet's Cobertura report (the tests' in-process servers; the
# processes some tests start are not instrumented).
coverage_status=0
report=$(find "$coverage" -name coverage.cobertura.xml 2>/dev/null | head -n 1)
if [ -n "$report" ]; then
    covered=$(grep -m1 -oE 'lines-covered="[0-9]+"' "$report" | grep -oE '[0-9]+')
    valid=$(grep -m1 -oE 'lines-valid="[0-9]+"' "$report" | grep -oE '[0-9]+')
    per_package=$(grep -oE '<package name="[^"]+" line-rate="[0-9.]+"' "$report" \
        | sed -E 's/<package name="([^"]+)" line-rate="([0-9.]+)"/\1 \2/' \
        | awk '{printf "%s%s %.1f%%", (NR > 1 ? ", " : ""), $1, $2 * 100}')
    percent=$(awk -v c="$covered" -v v="$valid" 'BEGIN {printf "%.1f", (v > 0 ? 100 * c / v : 0)}')
    echo "line coverage: ${percent}% of ${valid} lines (${per_package})"
    if [ $# -eq 0 ] && awk -v p="$percent" 'BEGIN {exit !(p < 85)}'; then
        echo "line coverage: below 85%"
        coverage_status=1
    fi
fi

# One plain summary line for whoever reads the end of the log.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ $# -eq 0 ]; then
    [ "$smoke_status" -eq 0 ] && echo "load smoke: passed (nothing lost, duplicated or reordered)" || echo "load smoke: FAILED ($smoke_status)"
fi
[ "$status" -ne 0 ] && exit "$status"
[ "$smoke_status" -ne 0 ] && exit "$smoke_status"
exit "$coverage_status"
