#!/usr/bin/env bash
# Retires a bot: deletes its queues (chattorum.bot.NAME and every chattorum.bot.NAME.*, such as a delay queue) and its
# broker user (NAMEbot), so that /NAME answers unknown_command again instead of `queued` forever, and the retired bot's
# credentials stop working. Stop the bot's processes first: a copy still connected could declare its queue again.
# Requests still waiting in the queue are dropped with it.
#
#   scripts/remove-bot.sh NAME              # NAME: the command, e.g. weather for /weather
#
# Which node: by default the AppHost's local RabbitMQ node (scripts/run.sh), found among this user's running nodes
# (the one whose RABBITMQ_NODENAME starts with chattorum-messaging-), with the Erlang cookie from its HOME. Override:
#   RABBITMQ_NODE=name@host RABBITMQ_COOKIE=cookie scripts/remove-bot.sh NAME
# Any other rabbitmqctl, e.g. inside a Kubernetes pod (the cookie and node are the pod's own):
#   RABBITMQCTL='kubectl exec -i -n chattorum messaging-0 -- rabbitmqctl' scripts/remove-bot.sh NAME
# Then remove the bot's user from the deployment's definitions too, or the next import creates it again.
set -euo pipefail

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -eq 1 ]] || usage
name=$1
# A command name as the chat parses it (lower case), so that the queue and user names are exactly the bot's.
if [[ ! $name =~ ^[a-z0-9][a-z0-9_-]{0,31}$ ]]; then
    echo "remove-bot.sh: '$name' is not a command name (lower-case letters, digits, '_' and '-', up to 32)" >&2
    exit 2
fi

queue="chattorum.bot.$name"
user="${name}bot"

# The AppHost's node: a beam.smp of this user whose environment names a chattorum-messaging-* node.
find_local_node() {
    local environ pid
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}
        pid=${pid%/environ}
        [[ -r $environ && $(cat "/proc/$pid/comm" 2>/dev/null) == beam.smp ]] || continue
        local node home
        node=$(tr '\0' '\n' <"$environ" 2>/dev/null | sed -n 's/^RABBITMQ_NODENAME=//p')
        home=$(tr '\0' '\n' <"$environ" 2>/dev/null | sed -n 's/^HOME=//p')
        if [[ $node == chattorum-messaging-* && -r $home/.erlang.cookie ]]; then
            echo "$node $(cat "$home/.erlang.cookie")"
            return 0
        fi
    done
    return 1
}

if [[ -n ${RABBITMQCTL:-} ]]; then
    read -r -a ctl <<<"$RABBITMQCTL"
else
    if [[ -z ${RABBITMQ_NODE:-} || -z ${RABBITMQ_COOKIE:-} ]]; then
        if ! found=$(find_local_node); then
            echo "remove-bot.sh: no running AppHost RabbitMQ node found; set RABBITMQ_NODE and RABBITMQ_COOKIE, or RABBITMQCTL" >&2
            exit 1
        fi
        read -r RABBITMQ_NODE RABBITMQ_COOKIE <<<"$found"
    fi
    # Debian's /usr/sbin/rabbitmqctl switches to the rabbitmq user and its cookie; this one uses the node's.
    ctl=(/usr/lib/rabbitmq/bin/rabbitmqctl --erlang-cookie "$RABBITMQ_COOKIE" -n "$RABBITMQ_NODE")
fi

# Exact names only: the bot's queue and its own sub-queues, never another bot whose name starts the same.
mapfile -t queues < <("${ctl[@]}" -q list_queues name --no-table-headers |
    awk -v q="$queue" '$1 == q || index($1, q ".") == 1 { print $1 }')
for each in "${queues[@]}"; do
    "${ctl[@]}" -q delete_queue "$each" >/dev/null
    echo "deleted queue $each"
done
[[ ${#queues[@]} -gt 0 ]] || echo "no queue $queue (already removed?)"

if "${ctl[@]}" -q list_users --no-table-headers | awk -v u="$user" '$1 == u { found = 1 } END { exit !found }'; then
    "${ctl[@]}" -q delete_user "$user" >/dev/null
    echo "deleted broker user $user"
else
    echo "no broker user $user (already removed?)"
fi
