#!/usr/bin/env bash
# Runs Chattorum locally: the Aspire AppHost starts Redis ("cache"), RabbitMQ ("messaging"), ChatApi, StockBot
# and the Aspire dashboard. With a working container runtime Redis and RabbitMQ run as containers; without one
# they run from Debian's redis-server and rabbitmq-server packages, which this script installs when missing.
#
#   scripts/run.sh [--fresh] [--redis-cluster] [AppHost arguments...]
#
# Accounts, rooms' history and queued bot commands are kept from one run to the next, like a persistent volume: Redis's
# append-only file and RabbitMQ's node live in a data folder outside the repository, $CHATTORUM_DATA or by default
# ${XDG_DATA_HOME:-~/.local/share}/chattorum (cache/ and messaging/; the AppHost setting Chattorum:DataFolder).
#
#   --fresh           start empty: the AppHost empties cache/ and messaging/ in the data folder before it starts
#                     (the AppHost setting Chattorum:Fresh=true). Deleting the folder does the same.
#   --redis-cluster   a local Redis Cluster (3 primaries, 3 replicas: six redis-server processes, formed by
#                     redis-cli --cluster create) instead of one Redis. Always local processes, container runtime
#                     or not; the same as the AppHost setting Chattorum:RedisCluster=true.
#
# Stop it with Ctrl+C (or SIGTERM when it runs in the background).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

redis_cluster=false
fresh=false
apphost_args=()
for arg in "$@"; do
    case "$arg" in
        --redis-cluster) redis_cluster=true ;;
        --fresh) fresh=true ;;
        *) apphost_args+=("$arg") ;;
    esac
done

container_runtime_is_healthy() {
    local runtime="${ASPIRE_CONTAINER_RUNTIME:-docker}"
    command -v "$runtime" >/dev/null 2>&1 && timeout 5 "$runtime" info >/dev/null 2>&1
}

command -v dotnet >/dev/null 2>&1 || { echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

if container_runtime_is_healthy; then
    echo "run.sh: container runtime '${ASPIRE_CONTAINER_RUNTIME:-docker}' is healthy: Redis and RabbitMQ run as containers."
    # The cluster's nodes are local processes even here: it needs redis-server (and redis-cli) installed.
    [ "$redis_cluster" = false ] || install_local_redis run.sh
else
    install_local_services run.sh
    echo "run.sh: Redis and RabbitMQ run as local processes (redis-server, rabbitmq-server)."
fi

if [ "$redis_cluster" = true ]; then
    # The AppHost reads Chattorum:RedisCluster from its configuration; the environment is one source of it.
    export Chattorum__RedisCluster=true
    echo "run.sh: Redis runs as a local cluster: cache-node-0..5 (3 primaries, 3 replicas), formed by cache-create."
fi

# The AppHost reads Chattorum:DataFolder and Chattorum:Fresh from its configuration; the environment is one source of it.
data_folder="${CHATTORUM_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/chattorum}"
export Chattorum__DataFolder="$data_folder"
if [ "$fresh" = true ]; then
    export Chattorum__Fresh=true
    echo "run.sh: starting empty (--fresh): the data in $data_folder is removed first."
elif [ "$redis_cluster" = true ]; then
    echo "run.sh: the Redis Cluster starts empty every run; RabbitMQ's queues are kept in $data_folder."
else
    echo "run.sh: accounts and history are kept in $data_folder (scripts/run.sh --fresh starts empty)."
fi

# The "http" launch profile (src/Chattorum.AppHost/Properties/launchSettings.json) fixes the dashboard's address.
echo "run.sh: dashboard at http://localhost:15080 (sign in with the 'Login URL' the AppHost prints below)."
echo "run.sh: ChatApi at http://localhost:5170, StockBot at http://localhost:5180 (health: /health)."

exec dotnet run --project src/Chattorum.AppHost --launch-profile http -- "${apphost_args[@]}"
