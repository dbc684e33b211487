#!/usr/bin/env bash
# Where the single scenario's round trip goes: runs `scripts/bench.sh single` (one client, 20 messages a second,
# a 2 s warm-up) and records the loopback packets of 4 s of its measured window with tcpdump, then prints for each
# message the time between the packets of its path, as medians:
#   in -> EVALSHA      the client's frame reaches the node .. the node's append script goes to Redis
#   EVALSHA -> reply   .. Redis answers the append (Redis runs the script, publishes to the room's channel)
#   reply -> ack       .. the node's ack frame goes to the client
#   push -> message    Redis's push to the node's subscriber connection .. the message frame goes to the client
#   total              the client's frame .. the message frame back to it (what the load tool's p50 measures, less
#                      the tool's own send and receive)
# Usage: scripts/single-hops.sh [load tool options...]   (BENCH_NODE_ENV and BENCH_NO_BUILD as for bench.sh)
# Needs root for tcpdump (installed with apt-get when missing) and python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v tcpdump >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null
work="$(mktemp -d -t chattorum-hops.XXXXXX)"
trap 'rm -rf "$work"' EXIT

scripts/bench.sh single --warmup 2 --duration 8 "$@" >"$work/run.log" 2>&1 &
run=$!
# The node is up and the window has begun once the tool reports measuring.
for _ in $(seq 1 600); do grep -q 'measuring' "$work/run.log" 2>/dev/null && break; sleep 0.1; done
timeout 4 tcpdump -i lo -nn -tt 'tcp and (tcp[tcpflags] & tcp-push != 0)' >"$work/packets.txt" 2>/dev/null || true
wait "$run" || { cat "$work/run.log" >&2; exit 1; }
grep -E '^  latency' "$work/run.log"

node_port="$(sed -nE 's/.*node\(s\) \[http:\/\/127\.0\.0\.1:([0-9]+)\].*/\1/p' "$work/run.log" | head -n 1)"
python3 - "$work/packets.txt" "$node_port" <<'PY'
import re, statistics, sys
packets = []
for line in open(sys.argv[1]):
    m = re.match(r'(\d+\.\d+) IP (\S+) > (\S+): .*?seq (\d+):(\d+)', line)
    if m:
        packets.append((float(m.group(1)), m.group(2), m.group(3), int(m.group(5)) - int(m.group(4))))
if not packets:
    sys.exit("no packets captured")
node = "127.0.0.1." + sys.argv[2]                   # the node's port, from bench.sh's report
client = next(p[1] for p in packets if p[2] == node)
segments = {k: [] for k in ("in -> EVALSHA", "EVALSHA -> reply", "reply -> ack", "push -> message", "total")}
i = 0
while i < len(packets):
    t, src, dst, _ = packets[i]
    if (src, dst) != (client, node):
        i += 1
        continue
    j = i + 1
    while j < len(packets) and (packets[j][1], packets[j][2]) != (client, node):
        j += 1
    path = packets[i + 1:j]
    to_client = [p for p in path if p[2] == client]
    # The append script is the one large packet from the node to Redis; Redis answers on that connection and
    # pushes the message on the node's subscriber connection.
    evalsha = next((p for p in path if p[2] != client and p[3] > 200), None)
    if evalsha and len(to_client) >= 2:
        redis, append_connection = evalsha[2], evalsha[1]
        reply = next((p for p in path if p[1] == redis and p[2] == append_connection), None)
        push = next((p for p in path if p[1] == redis and p[2] != append_connection), None)
        if reply and push:
            segments["in -> EVALSHA"].append(evalsha[0] - t)
            segments["EVALSHA -> reply"].append(reply[0] - evalsha[0])
            segments["reply -> ack"].append(to_client[0][0] - reply[0])
            segments["push -> message"].append(to_client[-1][0] - push[0])
            segments["total"].append(to_client[-1][0] - t)
    i = j
for name, values in segments.items():
    if values:
        print(f"  {name:18s} median {statistics.median(values) * 1000:6.3f} ms   min {min(values) * 1000:6.3f} ms   ({len(values)} messages)")
PY
