#!/usr/bin/env bash
# Runs one benchmark scenario of BENCHMARKS.md: a private redis-server and one or two ChatApi nodes pinned to
# CPU 0, the load tool (tools/Chattorum.LoadTest) pinned to CPU 1, then prints the tool's report. Or compares one
# scenario on the Go hub Chattorum is measured against and on Chattorum, back to back.
#
#   scripts/bench.sh SCENARIO [more load tool options...]
#   scripts/bench.sh compare SCENARIO|all [more load tool options...]
#
# SCENARIO: fanout | saturation | single | idle | idle-one-room | idle-500 | idle-4000 | idle-500-3rooms | idle-4000-3rooms |
#           many-rooms | two-nodes-fanout | two-nodes-saturation | smoke
# Options after the scenario go to the load tool and override its defaults (e.g. --duration 60).
# The tool gets the nodes' signing key (it makes its users' tokens instead of signing them up) and the Redis
# server's address (it reports the Redis commands of the measured window, from INFO commandstats).
#
# compare SCENARIO (saturation, fanout, single or idle; "all" runs those four in turn): the scenario first against
# the anchor, the gorilla/websocket chat example (one Go process, one hub goroutine, one room; the tool with
# --protocol gorilla), then against Chattorum as above (one node, Redis as BENCH_REDIS says), each on servers
# started fresh for it, pinned the same way, and stopped after it. Both runs get a warm-up of BENCH_WARMUP seconds
# (default 2, the bar of the comparison issue) instead of the scenario's own, and the same options. Then a table:
# deliveries/s, p50 and p99 latency, memory per connection (idle), server CPU (% of a core, every server process
# added up: the Go process; the node and Redis), the load tool's CPU (at 100 % it, not the server, is the limit),
# lost messages and the verdict, each for gorilla and Chattorum, and the ratio chattorum/gorilla. "compare all"
# prints the four tables again at the end. It exits 1 when a Chattorum run failed, or a gorilla run lost,
# duplicated or reordered messages, had a connection closed or another error; the Go hub is not held to
# Chattorum's slow-reader bar (it ends a client that stopped reading only once its buffers are full and a 10 s
# write deadline has passed), so the stopped reader of its saturation run fails its verdict but not the compare.
# The anchor is built when its binary is missing: BENCH_ANCHOR_DIR (default
# ${TMPDIR:-/tmp}/chattorum-anchors/gorilla-chat) by ${CHATTORUM_ANCHORS:-../shared/anchors}/gorilla/build.sh
# (Go and the example's source from Debian's packages; about a minute).
#
# Environment: BENCH_REDIS=cluster (a local Redis Cluster, 3 primaries + 3 replicas, instead of one Redis),
# BENCH_SERVER_CPUS (default 0), BENCH_TOOL_CPUS (default 1), BENCH_NO_BUILD=1 to skip the build,
# BENCH_RESULTS=FILE to append the final JSON line of each run to FILE (a compare appends gorilla's, then Chattorum's),
# BENCH_NODE_ENV="NAME=VALUE ..." for settings of the chat nodes only, on top of (and over) the ones below, e.g.
# BENCH_NODE_ENV=Chat__ReplicaAcks=0 (acks do not wait for the cluster's replicas); the run's name in the report
# then carries them ("single+Chat__ReplicaAcks=0"). The nodes also inherit bench.sh's environment, as the load tool
# and Redis do; BENCH_NODE_ENV reaches the nodes alone and is named in the report. BENCH_KEEP_LOGS=1 keeps the node
# and Redis logs of a run that passed too (a failed run's are always kept), in a folder named at the end.
# BENCH_WARMUP and BENCH_ANCHOR_DIR are for compare only (above); its gorilla runs are named gorilla-SCENARIO.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-services.sh

repo="$(pwd)"
server_cpus="${BENCH_SERVER_CPUS:-0}"
tool_cpus="${BENCH_TOOL_CPUS:-1}"
read -r -a node_env <<<"${BENCH_NODE_ENV:-}"
for setting in "${node_env[@]}"; do
    [[ "$setting" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "bench.sh: BENCH_NODE_ENV takes NAME=VALUE settings separated by spaces, not '$setting'" >&2; exit 2; }
done

# The scenarios compare runs, the bar's warm-up, and where the anchor is.
compare_scenarios=(saturation fanout single idle)
compare_warmup="${BENCH_WARMUP:-2}"
anchor_dir="${BENCH_ANCHOR_DIR:-${TMPDIR:-/tmp}/chattorum-anchors/gorilla-chat}"
anchor_build="${CHATTORUM_ANCHORS:-$repo/../shared/anchors}/gorilla/build.sh"

usage() {
    echo "usage: scripts/bench.sh fanout|saturation|single|idle|idle-one-room|idle-500|idle-4000|idle-500-3rooms|idle-4000-3rooms|many-rooms|two-nodes-fanout|two-nodes-saturation|smoke [load tool options...]" >&2
    echo "       scripts/bench.sh compare saturation|fanout|single|idle|idle-one-room|all [load tool options...]" >&2
    exit 2
}

# scenario_options SCENARIO: sets nodes, tool (the scenario's tool options), common (size, warm-up, duration) and
# tool_env (the tool's environment) for SCENARIO; fails for an unknown one.
scenario_options() {
    # 100-byte messages, 15 s measured after 10 s of warm-up: long enough for tiered compilation to finish
    # optimizing the hot path at these rates. The single client sends 20 messages a second, so it warms up for 30 s.
    common=(--size 100 --warmup 10 --duration 15)
    tool_env=()
    case "$1" in
        fanout) nodes=1; tool=(--connections 500 --rooms 1 --senders 5 --rate 20) ;;
        # The saturation scenarios also have one client that stops reading a second after its join (4 KiB receive
        # buffer): the node must drop it within 15 s (5 s of stalled writes, ~6 s in practice, inside the warm-up),
        # and the run fails if it does not, or if any other connection is closed.
        saturation) nodes=1; tool=(--connections 200 --rooms 1 --senders 10 --rate max --in-flight 16 --stopped-readers 1) ;;
        single) nodes=1; tool=(--connections 1 --rooms 1 --senders 1 --rate 20); common=(--size 100 --warmup 30 --duration 15) ;;
        # 5,000 connections of distinct users (tokens made by the tool, so no sign-ups), as the Go hub's 5,000
        # clients are 5,000 distinct peers, in rooms of 5 (the Go hub has one room: compare runs it with that).
        # idle-one-room puts the 5,000 users in one room: every join is a presence change for every member before it
        # (12.5 million presence frames, and a member list of up to 5,000 names per join), the worst case of presence.
        idle) nodes=1; tool=(--idle --connections 5000 --rooms 1000 --users 5000); common=(--warmup 5 --duration 10) ;;
        idle-one-room) nodes=1; tool=(--idle --connections 5000 --rooms 1 --users 5000); common=(--warmup 5 --duration 10) ;;
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
        *) return 1 ;;
    esac
}

mode="${1:-}"
shift || true
compare_list=()
if [ "$mode" = compare ]; then
    target="${1:-}"
    shift || true
    case "$target" in
        all) compare_list=("${compare_scenarios[@]}") ;;
        saturation | fanout | single | idle | idle-one-room) compare_list=("$target") ;;
        *) usage ;;
    esac
else
    scenario_options "$mode" || usage
fi

command -v redis-server >/dev/null 2>&1 || install_local_services bench.sh
command -v taskset >/dev/null 2>&1 || { echo "bench.sh: taskset (util-linux) is required" >&2; exit 1; }
if [ "${#compare_list[@]}" -gt 0 ]; then
    command -v jq >/dev/null 2>&1 || apt_install bench.sh jq
fi
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

# Each run has a folder of its own (logs, Redis data, the tool's report) and its own servers, stopped after it.
works=()
run_pids=()
cleanup() {
    for pid in "${run_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for dir in "${works[@]}"; do rm -rf "$dir"; done
}
trap cleanup EXIT

new_work() { # new_work: a fresh folder for one run, in $work
    work="$(mktemp -d -t chattorum-bench.XXXXXX)"
    works+=("$work")
}

# stop_servers: ends the current run's servers and waits for them.
stop_servers() {
    local pid
    for pid in "${run_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${run_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    run_pids=()
}

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

# start_redis: Redis as deployed, append-only persistence on, fsync every second, in $work; sets redis_processes,
# redis_primaries and redis_list. BENCH_REDIS=cluster runs a Redis Cluster of 3 primaries and 3 replicas instead
# (all on the server CPUs, so it compares what the cluster costs, not what more machines would give); the nodes get
# the primaries, the tool reads every primary's command counts.
start_redis() {
    redis_processes=()
    redis_primaries=()
    local port
    if [ "${BENCH_REDIS:-single}" = cluster ]; then
        local cluster_ports=() primary
        for _ in 1 2 3 4 5 6; do
            port="$(free_cluster_port)"
            mkdir -p "$work/redis-$port"
            taskset -c "$server_cpus" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes \
                --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
                --dir "$work/redis-$port" --logfile "$work/redis-$port/redis.log" &
            redis_processes+=($!)
            run_pids+=($!)
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
        port="$(free_port)"
        taskset -c "$server_cpus" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes \
            --dir "$work" --logfile "$work/redis.log" &
        redis_processes+=($!)
        run_pids+=($!)
        redis_primaries+=("127.0.0.1:$port")
        wait_for "redis-server" "$work/redis.log" redis-cli -p "$port" ping
    fi
    redis_list="$(IFS=,; echo "${redis_primaries[*]}")"
}

# start_nodes N: N ChatApi nodes on $redis_list, logging in $work; sets signing_key, urls and node_pids.
start_nodes() {
    local count="$1" i port
    signing_key="$(head -c 48 /dev/urandom | base64)"
    urls=()
    node_pids=()
    for i in $(seq 1 "$count"); do
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
        run_pids+=($!)
        urls+=("http://127.0.0.1:$port")
        wait_for "ChatApi node $i" "$work/node$i.log" curl -fsS "http://127.0.0.1:$port/alive"
    done
}

# build_anchor: builds the gorilla/websocket chat example into $anchor_dir unless its binary is there.
build_anchor() {
    [ -x "$anchor_dir/gorilla-chat" ] && return 0
    [ -f "$anchor_build" ] || { echo "bench.sh: no anchor build script at $anchor_build (set CHATTORUM_ANCHORS to the folder holding gorilla/build.sh)" >&2; exit 1; }
    echo "bench.sh: building the gorilla/websocket chat example into $anchor_dir ($anchor_build)" >&2
    bash "$anchor_build" "$anchor_dir" >&2
}

# start_gorilla: the gorilla/websocket chat example on a free port, logging in $work; sets gorilla_url and
# gorilla_pid. Its Go runtime sizes itself to the CPUs it is pinned to, as the node's does. It serves its page at /
# from the folder it runs in (404 here): any HTTP answer means it is up.
start_gorilla() {
    local port
    port="$(free_port)"
    taskset -c "$server_cpus" "$anchor_dir/gorilla-chat" -addr "127.0.0.1:$port" >"$work/gorilla.log" 2>&1 &
    gorilla_pid=$!
    run_pids+=($!)
    gorilla_url="http://127.0.0.1:$port"
    wait_for "gorilla-chat" "$work/gorilla.log" curl -sS -o /dev/null "$gorilla_url/"
}

# run_tool OPTIONS...: the load tool pinned to the tool CPUs with the scenario's environment, its report in
# $work/report.txt (and on stdout); sets status to its exit code and last_json to its final JSON line, which goes to
# BENCH_RESULTS too. A failed run keeps $work (and so its servers' logs), as BENCH_KEEP_LOGS=1 does for any run.
run_tool() {
    set +e
    env "${tool_env[@]}" taskset -c "$tool_cpus" dotnet tools/Chattorum.LoadTest/bin/Release/net10.0/Chattorum.LoadTest.dll "$@" \
        | tee "$work/report.txt"
    status=${PIPESTATUS[0]}
    set -e
    last_json="$(grep '^{' "$work/report.txt" | tail -n 1 || true)"

    local kept
    if [ "$status" -ne 0 ]; then
        kept="$(mktemp -d -t chattorum-bench-failed.XXXXXX)"
        cp -r "$work"/. "$kept"/
        echo "bench.sh: the run failed; server logs kept in $kept" >&2
    elif [ "${BENCH_KEEP_LOGS:-0}" = 1 ]; then
        kept="$(mktemp -d -t chattorum-bench-logs.XXXXXX)"
        cp -r "$work"/. "$kept"/
        echo "bench.sh: server logs kept in $kept" >&2
    fi

    if [ -n "${BENCH_RESULTS:-}" ] && [ -n "$last_json" ]; then
        echo "$last_json" >>"$BENCH_RESULTS"
    fi
}

# run_chattorum SCENARIO [OPTIONS...]: fresh Redis and nodes, the tool with the scenario's options then OPTIONS, the
# servers stopped after; sets status and last_json.
run_chattorum() {
    local scenario="$1" label="$1" setting
    shift
    scenario_options "$scenario"
    for setting in "${node_env[@]}"; do label+="+$setting"; done
    new_work
    start_redis
    start_nodes "$nodes"
    echo "bench.sh: $label: $nodes node(s) [${urls[*]}]${node_env[*]:+ with ${node_env[*]}} and redis ${BENCH_REDIS:-single} [$redis_list] on CPU $server_cpus; load tool on CPU $tool_cpus; open files $(ulimit -n)" >&2
    run_tool --url "$(IFS=,; echo "${urls[*]}")" --pids "$(IFS=,; echo "${node_pids[*]},${redis_processes[*]}")" \
        --redis "$redis_list" --signing-key "$signing_key" --scenario "$label" "${common[@]}" "${tool[@]}" "$@"
    stop_servers
}

# run_gorilla SCENARIO [OPTIONS...]: a fresh gorilla-chat, the tool with --protocol gorilla, the scenario's options
# then OPTIONS, the server stopped after; sets status and last_json.
run_gorilla() {
    local scenario="$1" label="gorilla-$1"
    shift
    scenario_options "$scenario"
    new_work
    start_gorilla
    echo "bench.sh: $label: gorilla-chat [$gorilla_url] (pid $gorilla_pid) on CPU $server_cpus; load tool on CPU $tool_cpus; open files $(ulimit -n)" >&2
    # The Go hub has one room: every connection is in it, whatever rooms the scenario spreads Chattorum's over.
    run_tool --protocol gorilla --url "$gorilla_url" --pids "$gorilla_pid" --scenario "$label" "${common[@]}" "${tool[@]}" "$@" --rooms 1
    stop_servers
}

# figures JSON: one line of the figures the table compares, tab-separated: deliveries/s, p50 ms, p99 ms,
# KB per connection, server CPU % (every --pids process), lost, idle (true/false), warm-up s, duration s,
# the load tool's CPU %, and the errors by kind ("-" when none).
figures() {
    jq -r '[.deliveriesPerSecond, .p50Ms, .p99Ms, .rssKbPerConnection, ([.processes[].cpuPercent] | add // 0), .lost, .idle,
            .warmupSeconds, .durationSeconds, (.tool.cpuPercent // 0),
            (.errorCounts | to_entries | map("\(.key) \(.value)") | join(", ") | if . == "" then "-" else . end)] | @tsv' <<<"$1"
}

# anchor_measured JSON: whether a gorilla run measured what it meant to: nothing lost, duplicated or reordered, no
# connection closed, no error but the stopped reader's. The anchor is not held to Chattorum's slow-reader bar: the
# Go hub ends a client that stopped reading only once the kernel's buffers and its 256-message queue are full and
# a 10 s write deadline has passed, so its saturation runs fail that bar.
anchor_measured() {
    jq -e '.lost == 0 and .duplicated == 0 and .reordered == 0 and .orderMismatches == 0 and .closedByServer == 0 and
           ((.errorCounts | keys) - ["stopped_reader_not_dropped"] | length == 0)' <<<"$1" >/dev/null
}

# comparison_table SCENARIO GORILLA_JSON GORILLA_STATUS CHATTORUM_JSON CHATTORUM_STATUS: the table of one compare.
comparison_table() {
    local scenario="$1" gorilla_json="$2" gorilla_status="$3" chattorum_json="$4" chattorum_status="$5"
    if [ -z "$gorilla_json" ] || [ -z "$chattorum_json" ]; then
        echo "compare $scenario: no figures (gorilla exit $gorilla_status, chattorum exit $chattorum_status; a run ended before its report)"
        return
    fi
    awk -F '\t' -v scenario="$scenario" -v redis="${BENCH_REDIS:-single}" -v g_ok="$gorilla_status" -v c_ok="$chattorum_status" \
        -v server_cpus="$server_cpus" -v tool_cpus="$tool_cpus" '
        NR == 1 { for (i = 1; i <= NF; i++) g[i] = $i }
        NR == 2 { for (i = 1; i <= NF; i++) c[i] = $i }
        function cell(v, digits) { return v == "-" ? "-" : sprintf("%." digits "f", v) }
        function row(name, gv, cv, digits,   ratio) {
            ratio = (gv == "-" || cv == "-" || gv + 0 == 0) ? "-" : sprintf("%.2f", cv / gv)
            printf "  %-28s %16s %16s %18s\n", name, cell(gv, digits), cell(cv, digits), ratio
        }
        END {
            idle = g[7] == "true"
            printf "compare %s: warm-up %s s, measured %s s (gorilla: one Go process; chattorum: 1 node + redis %s; servers on CPU %s, tool on CPU %s)\n", \
                scenario, g[8], g[9], redis, server_cpus, tool_cpus
            printf "  %-28s %16s %16s %18s\n", "", "gorilla", "chattorum", "chattorum/gorilla"
            row("deliveries/s", (idle ? "-" : g[1]), (idle ? "-" : c[1]), 1)
            row("p50 latency (ms)", (idle ? "-" : g[2]), (idle ? "-" : c[2]), 3)
            row("p99 latency (ms)", (idle ? "-" : g[3]), (idle ? "-" : c[3]), 3)
            row("memory per connection (KB)", (idle ? g[4] : "-"), (idle ? c[4] : "-"), 2)
            row("server CPU (% of a core)", g[5], c[5], 1)
            row("load tool CPU (% of a core)", g[10], c[10], 1)
            printf "  %-28s %16s %16s\n", "lost", (idle ? "-" : g[6]), (idle ? "-" : c[6])
            printf "  %-28s %16s %16s\n", "verdict", (g_ok == 0 ? "PASSED" : "FAILED"), (c_ok == 0 ? "PASSED" : "FAILED")
            if (g[11] != "-") printf "  gorilla errors: %s\n", g[11]
            if (c[11] != "-") printf "  chattorum errors: %s\n", c[11]
        }' <(figures "$gorilla_json"; figures "$chattorum_json")
}

# compare SCENARIO [OPTIONS...]: gorilla then Chattorum, the bar's warm-up before OPTIONS; appends the table to
# $tables and prints it; sets compare_failed when the Chattorum run failed or the gorilla run did not measure
# (anchor_measured).
compare() {
    local scenario="$1" gorilla_json gorilla_status table
    shift
    run_gorilla "$scenario" --warmup "$compare_warmup" "$@"
    gorilla_json="$last_json"
    gorilla_status="$status"
    run_chattorum "$scenario" --warmup "$compare_warmup" "$@"
    table="$(comparison_table "$scenario" "$gorilla_json" "$gorilla_status" "$last_json" "$status")"
    printf '\n%s\n\n' "$table"
    tables+="$table"$'\n\n'
    if [ "$status" -ne 0 ] || [ -z "$gorilla_json" ] || ! anchor_measured "$gorilla_json"; then compare_failed=1; fi
}

if [ "${#compare_list[@]}" -eq 0 ]; then
    run_chattorum "$mode" "$@"
    exit "$status"
fi

build_anchor
tables=""
compare_failed=0
for scenario in "${compare_list[@]}"; do
    compare "$scenario" "$@"
done
if [ "${#compare_list[@]}" -gt 1 ]; then
    printf 'bench.sh: compare %s\n\n%s' "${compare_list[*]}" "$tables"
fi
exit "$compare_failed"
