#!/usr/bin/env bash
# Runs one benchmark scenario of BENCHMARKS.md: a private redis-server and one or two ChatApi nodes pinned to
# CPU 0, the load tool (tools/Chattorum.LoadTest) pinned to CPU 1, then prints the tool's report.
#
#   scripts/bench.sh SCENARIO [more load tool options...]
#
# SCENARIO: fanout | saturation | single | idle | idle-500 | idle-4000 | idle-500-3rooms | idle-4000-3rooms |
#           many-rooms | two-nodes-fanout | two-nodes-saturation | smoke
# Options after the scenario go to the load tool and override its defaults (e.g. --duration 60).
# The tool gets the nodes' signing key (it makes its users' tokens instead of signing them up) and the Redis
# server's address (it reports the Redis commands of the measured window, from INFO commandstats).
# Environment: BENCH_REDIS=cluster (a local Redis Cluster, 3 primaries + 3 replicas, instead of one Redis),
# BENCH_SERVER_CPUS (default 0), BENCH_TOOL_CPUS (default 1), BENCH_NO_BUILD=1 to skip the build,
# BENCH_RESULTS=FILE to append the final JSON line to FILE,
# BENCH_NODE_ENV="NAME=VALUE ..." for settings of the chat nodes only, on top of (and over) the ones below, e.g.
# BENCH_NODE_ENV=Chat__ReplicaAcks=0 (acks do not wait for the cluster's replicas); the run's name in the report
# then carries them ("single+Chat__ReplicaAcks=0"). The nodes also inherit bench.sh's environment, as the load tool
# and Redis do; BENCH_NODE_ENV reaches the nodes alone and is named in the report. BENCH_KEEP_LOGS=1 keeps the node
# and Redis logs of a run that passed too (a failed run's are always kept), in a folder named at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

scenario="${1:-}"
shift || true
server_cpus="${BENCH_SERVER_CPUS:-0}"
tool_cpus="${BENCH_TOOL_CPUS:-1}"
read -r -a node_env <<<"${BENCH_NODE_ENV:-}"
label="$scenario"
for setting in "${node_env[@]}"; do
    [[ "$setting" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "bench.sh: BENCH_NODE_ENV takes NAME=VALUE settings separated by spaces, not '$setting'" >&2; exit 2; }
    label+="+$setting"
done

# 100-byte messages, 15 s measured after 10 s of warm-up: long enough for tiered compilation to finish
# optimizing the hot path at these rates. The single client sends 20 messages a second, so it warms up for 30 s.
common=(--size 100 --warmup 10 --duration 15)
tool_env=()
case "$scenario" in
    fanout) nodes=1; tool=(--connections 500 --rooms 1 --senders 5 --rate 20) ;;
    # The saturation scenarios also have one client that stops reading a second after its join (4 KiB receive
    # buffer): the node must drop it within 15 s (5 s of stalled writes, ~6 s in practice, inside the warm-up),
    # and the run fails if it does not, or if any other connection is closed.
    saturation) nodes=1; tool=(--connections 200 --rooms 1 --senders 10 --rate max --in-flight 16 --stopped-readers 1) ;;
    single) nodes=1; tool=(--connections 1 --rooms 1 --senders 1 --rate 20); common=(--size 100 --warmup 30 --duration 15) ;;
    idle) nodes=1; tool=(--idle --connections 5000 --rooms 1 --users 50); common=(--warmup 5 --duration 10) ;;
    # What idle connections cost: distinct users in rooms of 5, each in 1 or 3 rooms; 10 s to settle after the
    # last join (presence, first heartbeats), then 30 s measured (ten presence heartbeats and room resyncs).
    idle-500) nodes=1; tool=(--idle-cost --connections 500 --users 500 --rooms 100); common=(--warmup 120 --duration 30) ;;
    idle-4000) nodes=1; tool=(--idle-cost --connections 4000 --users 4000 --rooms 800); common=(--warmup 120 --duration 30) ;;
    idle-500-3rooms) nodes=1; tool=(--idle-cost --connections 500 --users 500 --rooms 300 --rooms-per-connection 3); common=(--warmup 120 --duration 30) ;;
    idle-4000-3rooms) nodes=1; tool=(--idle-cost --connections 4000 --users 4000 --rooms 2400 --rooms-per-connection 3); common=(--warmup 120 --duration 30) ;;
    # 20,000 distinct users in 4,000 rooms of 5; the first connection of each room sends one message a second.
    # With 20,000 connections every collection of the tool's youngest generation takes long (10,000 connections
    # measured 1.2 s of pauses in 10 s); a 64 MiB budget leaves the window without one, so the tool's pauses do
    # not count as the server's latency. The runtime reads this setting only from the environment.
    many-rooms) nodes=1; tool=(--connections 20000 --users 20000 --rooms 4000 --senders 4000 --rate 1); tool_env=(DOTNET_GCgen0size=0x4000000) ;;
    two-nodes-fanout) nodes=2; tool=(--connections 500 --rooms 1 --senders 5 --rate 20) ;;
    two-nodes-saturation) nodes=2; tool=(--connections 200 --rooms 1 --senders 10 --rate max --in-flight 16 --stopped-readers 1) ;;
    smoke) nodes=2; tool=(--connections 60 --rooms 3 --senders 6 --rate 50 --users 12); common=(--size 100 --warmup 1 --duration 3) ;;
    *)
        echo "usage: scripts/bench.sh fanout|saturation|single|idle|idle-500|idle-4000|idle-500-3rooms|idle-4000-3rooms|many-rooms|two-nodes-fanout|two-nodes-saturation|smoke [load tool options...]" >&2
        exit 2 ;;
esac

command -v redis-server >/dev/null 2>&1 || install_local_services bench.sh
command -v taskset >/dev/null 2>&1 || { echo "bench.sh: taskset (util-linux) is required" >&2; exit 1; }
if [ "$(nproc)" -lt 2 ] && [ -z "${BENCH_SERVER_CPUS:-}${BENCH_TOOL_CPUS:-}" ]; then
    # One CPU: nothing to pin apart (the figures then mean less, but a smoke run still checks nothing is lost).
    server_cpus=0
    tool_cpus=0
fi

# Every connection is a socket in the node and one in the tool: many-rooms needs over 20,000 open files in each.
# Raise the limit as far as this shell may (the tool refuses a run it cannot open, and says so).
open_files=65536
ulimit -n "$open_files" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    dotnet build src/Chattorum.ChatApi -c Release -nologo -v quiet >/dev/null
    dotnet build tools/Chattorum.LoadTest -c Release -nologo -v quiet >/dev/null
fi

work="$(mktemp -d -t chattorum-bench.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A port for a cluster node: below the ephemeral range, with its cluster bus port (10,000 higher) free too.
free_cluster_port() {
    python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randint(20000, 29999)
    if free(p) and free(p + 10000):
        print(p); break'
}

wait_for() { # wait_for WHAT LOG COMMAND...: up to 30 s; prints the end of LOG if WHAT does not come up
    local what="$1" log="$2"
    shift 2
    for _ in $(seq 1 300); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "bench.sh: $what did not come up; the end of its log ($log is removed on exit):" >&2
    tail -n 40 "$log" >&2 || true
    exit 1
}

# Redis as deployed: append-only persistence on, fsync every second. BENCH_REDIS=cluster runs a Redis Cluster of
# 3 primaries and 3 replicas instead (all on the server CPUs, so it compares what the cluster costs, not what more
# machines would give); the nodes get the primaries, the tool reads every primary's command counts.
redis_processes=()
redis_primaries=()
if [ "${BENCH_REDIS:-single}" = cluster ]; then
    cluster_ports=()
    for i in 1 2 3 4 5 6; do
        port="$(free_cluster_port)"
        mkdir -p "$work/redis-$port"
        taskset -c "$server_cpus" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes \
            --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
            --dir "$work/redis-$port" --logfile "$work/redis-$port/redis.log" &
        redis_processes+=($!)
        pids+=($!)
        cluster_ports+=("$port")
        wait_for "redis-server :$port" "$work/redis-$port/redis.log" redis-cli -p "$port" ping
    done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 1 --cluster-yes >"$work/cluster-create.log" 2>&1 \
        || { cat "$work/cluster-create.log" >&2; exit 1; }
    for port in "${cluster_ports[@]}"; do
        wait_for "cluster state on :$port" "$work/redis-$port/redis.log" sh -c "redis-cli -p $port cluster info | grep -q cluster_state:ok"
        if redis-cli -p "$port" role | head -n 1 | grep -q master; then redis_primaries+=("127.0.0.1:$port"); fi
    done
    # Every primary must have its replica online before the run: acks wait for it (Chat:ReplicaAcks auto).
    for primary in "${redis_primaries[@]}"; do
        wait_for "a replica of $primary" "$work/cluster-create.log" sh -c "redis-cli -p ${primary##*:} info replication | grep -q 'state=online'"
    done
else
    redis_port="$(free_port)"
    taskset -c "$server_cpus" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes \
        --dir "$work" --logfile "$work/redis.log" &
    redis_processes+=($!)
    pids+=($!)
    redis_primaries+=("127.0.0.1:$redis_port")
    wait_for "redis-server" "$work/redis.log" redis-cli -p "$redis_port" ping
fi
redis_list="$(IFS=,; echo "${redis_primaries[*]}")"

signing_key="$(head -c 48 /dev/urandom | base64)"
urls=()
node_pids=()
for i in $(seq 1 "$nodes"); do
    port="$(free_port)"
    # The scenarios send 20 messages a second and more from one connection: above the default per-connection
    # rate (10/s), so this deployment raises it, as one serving bots or load tests would (Chat:RatePerSecond).
    env ASPNETCORE_URLS="http://127.0.0.1:$port" \
        ASPNETCORE_ENVIRONMENT=Production \
        ConnectionStrings__cache="$redis_list" \
        Auth__SigningKey="$signing_key" \
        Chat__RatePerSecond=100000 \
        Chat__RateBurst=1000 \
        Logging__LogLevel__Default=Warning \
        "${node_env[@]}" \
        taskset -c "$server_cpus" dotnet src/Chattorum.ChatApi/bin/Release/net10.0/Chattorum.ChatApi.dll \
        >"$work/node$i.log" 2>&1 &
    node_pids+=($!)
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
    wait_for "ChatApi node $i" "$work/node$i.log" curl -fsS "http://127.0.0.1:$port/alive"
done

all_pids="$(IFS=,; echo "${node_pids[*]},${redis_processes[*]}")"
echo "bench.sh: $label: $nodes node(s) [${urls[*]}]${node_env[*]:+ with ${node_env[*]}} and redis ${BENCH_REDIS:-single} [$redis_list] on CPU $server_cpus; load tool on CPU $tool_cpus; open files $(ulimit -n)" >&2

set +e
env "${tool_env[@]}" taskset -c "$tool_cpus" dotnet tools/Chattorum.LoadTest/bin/Release/net10.0/Chattorum.LoadTest.dll \
    --url "$(IFS=,; echo "${urls[*]}")" --pids "$all_pids" --redis "$redis_list" --signing-key "$signing_key" \
    --scenario "$label" "${common[@]}" "${tool[@]}" "$@" \
    | tee "$work/report.txt"
status=${PIPESTATUS[0]}
set -e

if [ "$status" -ne 0 ]; then
    kept="$(mktemp -d -t chattorum-bench-failed.XXXXXX)"
    cp -r "$work"/. "$kept"/
    echo "bench.sh: the run failed; node and redis logs kept in $kept" >&2
elif [ "${BENCH_KEEP_LOGS:-0}" = 1 ]; then
    kept="$(mktemp -d -t chattorum-bench-logs.XXXXXX)"
    cp -r "$work"/. "$kept"/
    echo "bench.sh: node and redis logs kept in $kept" >&2
fi

if [ -n "${BENCH_RESULTS:-}" ]; then
    grep '^{' "$work/report.txt" | tail -n 1 >>"$BENCH_RESULTS"
fi
exit "$status"
