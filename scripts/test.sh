#!/usr/bin/env bash
# Runs every Chattorum test on a fresh Debian/Ubuntu machine with the .NET 10 SDK: installs what the tests
# need (Debian's redis-server and rabbitmq-server, which the AppHost test starts as private nodes; Debian's
# chromium, which the web page's tests drive through Playwright; the npm packages of the Kubernetes manifest
# validator), restores NuGet packages, builds without warnings, runs the whole suite, then a short smoke run of
# the load tool against two real chat nodes (scripts/bench.sh smoke: it must lose nothing; its speed is not judged).
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
set +e
dotnet test Chattorum.sln -c Release --no-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The load tool against real nodes, on the whole run only (not when a filter picks some tests).
smoke_status=0
if [ $# -eq 0 ]; then
    echo "test.sh: load smoke (scripts/bench.sh smoke)"
    BENCH_NO_BUILD=1 scripts/bench.sh smoke || smoke_status=$?
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
exit "$smoke_status"
