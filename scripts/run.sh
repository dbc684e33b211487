#!/usr/bin/env bash
# Runs Chattorum locally: the Aspire AppHost starts Redis ("cache"), RabbitMQ ("messaging"), ChatApi, StockBot
# and the Aspire dashboard. With a working container runtime Redis and RabbitMQ run as containers; without one
# they run from Debian's redis-server and rabbitmq-server packages, which this script installs when missing.
#
#   scripts/run.sh [AppHost arguments...]
#
# Stop it with Ctrl+C (or SIGTERM when it runs in the background).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

container_runtime_is_healthy() {
    local runtime="${ASPIRE_CONTAINER_RUNTIME:-docker}"
    command -v "$runtime" >/dev/null 2>&1 && timeout 5 "$runtime" info >/dev/null 2>&1
}

command -v dotnet >/dev/null 2>&1 || { echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

if container_runtime_is_healthy; then
    echo "run.sh: container runtime '${ASPIRE_CONTAINER_RUNTIME:-docker}' is healthy: Redis and RabbitMQ run as containers."
else
    install_local_services run.sh
    echo "run.sh: Redis and RabbitMQ run as local processes (redis-server, rabbitmq-server)."
fi

# The "http" launch profile (src/Chattorum.AppHost/Properties/launchSettings.json) fixes the dashboard's address.
echo "run.sh: dashboard at http://localhost:15080 (sign in with the 'Login URL' the AppHost prints below)."
echo "run.sh: ChatApi at http://localhost:5170, StockBot at http://localhost:5180 (health: /health)."

exec dotnet run --project src/Chattorum.AppHost --launch-profile http -- "$@"
