#!/usr/bin/env bash
# The long soak: steady mixed traffic (chat, joins and leaves, short connections, resumes, /stock) against two
# chat nodes, the StockBot, Redis and RabbitMQ, all real processes, then checks that each node is back where it
# started (no connection or hub left; timers, threads, handles and heap flat). The test command runs the same
# test for 45 s; this runs it for the given number of seconds (default 600) and prints the figures.
#
#   scripts/soak.sh [seconds]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

command -v dotnet >/dev/null 2>&1 || { echo "soak.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
install_local_services soak.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export CHATTORUM_SOAK_SECONDS="${1:-600}"

dotnet build tests/Chattorum.Tests.Integration -c Release -warnaserror
dotnet test tests/Chattorum.Tests.Integration -c Release --no-build --filter "FullyQualifiedName~Chattorum.Tests.Integration.Soak" \
    --logger "console;verbosity=detailed"
