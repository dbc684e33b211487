#!/usr/bin/env bash
# Runs every Chattorum test on a fresh Debian/Ubuntu machine with the .NET 10 SDK: installs what the tests
# need (Debian's redis-server and rabbitmq-server, which the AppHost test starts as private nodes; Debian's
# chromium, which the web page's tests drive through Playwright; the npm packages of the Kubernetes manifest
# validator), restores NuGet packages, builds without warnings, runs the unit tests (tests/Chattorum.Tests.Unit,
# which need none of that) and then the integration tests (tests/Chattorum.Tests.Integration), then a short smoke
# run of the load tool against two real chat nodes (scripts/bench.sh smoke: it must lose nothing; its speed is not
# judged). It reports the line coverage of ChatApi and StockBot over both test runs (the whole run must reach 85%)
# and the recovery times the fault tests measured.
#
#   scripts/test.sh [extra dotnet test arguments for both projects, e.g. --filter FullyQualifiedName~Hubs]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
install_local_services test.sh
install_chromium test.sh

# The Node.js programs the tests run: the offline Kubernetes schema validator of the Deploy tests (tools/k8s-validate)
# and the example bot of WeatherBotExampleTests (examples/weather-bot). Node.js and each one's locked npm packages,
# installed again only when its package-lock.json changed since the last install.
install_npm_packages() {
    local dir=$1
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install test.sh nodejs npm
    fi
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
        cp "$dir/package-lock.json" "$dir/node_modules/.installed-package-lock.json"
    fi
}
install_npm_packages tools/k8s-validate
install_npm_packages examples/weather-bot

# The Kustomize tests render deploy/kustomize with kubectl's built-in Kustomize (v5: kubectl 1.27 or later), which
# machines of this project's kind come with. Debian's kubernetes-client is kubectl 1.20 (Kustomize v2, too old), so apt
# has nothing to install: say so before the build rather than in a failed test.
command -v kubectl >/dev/null 2>&1 \
    || echo "test.sh: kubectl not found: the Kustomize tests (Deploy.KustomizeTests) will fail; install kubectl 1.27 or later" >&2

# Aspire's orchestrator writes temporary files; keep them in a folder this run owns and removes.
run_tmp=$(mktemp -d)
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build Chattorum.sln -c Release -warnaserror
log="$run_tmp/test.log"
coverage="$run_tmp/coverage"
export CHATTORUM_RELIABILITY_LOG="$run_tmp/reliability.jsonl"

# One test project, with line coverage of the two services in a folder of its own; its output goes to the log too.
run_tests() {
    local name=$1 project=$2
    shift 2
    echo "test.sh: $name tests ($project)"
    dotnet test "$project" -c Release --no-build "$@" \
        --collect:"XPlat Code Coverage" --results-directory "$coverage/$name" \
        -- "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[Chattorum.ChatApi]*%2c[Chattorum.StockBot]*" \
           "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.ExcludeByAttribute=GeneratedCodeAttribute%2cCompilerGeneratedAttribute" \
        2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
}

# The unit tests first (seconds), then the integration tests; the second runs even when the first failed.
set +e
run_tests unit tests/Chattorum.Tests.Unit "$@"
unit_status=$?
run_tests integration tests/Chattorum.Tests.Integration "$@"
integration_status=$?
set -e
status=$((unit_status != 0 ? unit_status : integration_status))

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

# Line coverage of the two services over both runs, from coverlet's Cobertura reports (the tests' in-process
# servers; the processes some tests start are not instrumented): a line is covered when either run covered it.
coverage_status=0
mapfile -t reports < <(find "$coverage" -name coverage.cobertura.xml 2>/dev/null | sort)
if [ "${#reports[@]}" -gt 0 ]; then
    summary=$(awk -f scripts/line-coverage.awk "${reports[@]}")
    echo "$summary"
    percent=$(sed -E 's/^line coverage: ([0-9.]+)%.*/\1/' <<<"$summary")
    # A whole run needs a report from each project that measured something (coverlet writes an empty one when it
    # could not instrument the services).
    without_report=()
    for name in unit integration; do
        [ -n "$(find "$coverage/$name" -name coverage.cobertura.xml -exec grep -l 'lines-valid="[1-9]' {} + 2>/dev/null)" ] \
            || without_report+=("$name")
    done
    if [ $# -eq 0 ] && [ "${#without_report[@]}" -gt 0 ]; then
        echo "line coverage: no report, or an empty one, from the ${without_report[*]} tests"
        coverage_status=1
    elif [ $# -eq 0 ] && awk -v p="$percent" 'BEGIN {exit !(p < 85)}'; then
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
