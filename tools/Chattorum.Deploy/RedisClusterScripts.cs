using System.Globalization;

namespace Chattorum.Deploy;

/// <summary>
/// The files of the Redis Cluster's ConfigMap (<c>--redis-cluster</c>): the nodes' common configuration, the script each
/// pod starts Redis with, and the script of the Job that forms the cluster. POSIX <c>sh</c> with what the Debian-based
/// <c>redis</c> image has (getent, grep, sed, tr), no bash.
/// </summary>
internal static class RedisClusterScripts
{
    public const string ConfigFile = "redis.conf";
    public const string StartScript = "start.sh";
    public const string CreateScript = "create-cluster.sh";

    /// <summary>Where the ConfigMap is mounted in the pods.</summary>
    public const string MountPath = "/etc/redis";

    /// <summary>Where each pod keeps its append-only file and its <c>nodes.conf</c> (the cluster's state as it knows it).</summary>
    public const string DataPath = "/data";

    /// <summary>
    /// How long a primary may be unreachable before its replica takes over: a few seconds, not Redis's default 15; the chat
    /// nodes ride out the gap (they retry and their clients resume).
    /// </summary>
    public const int NodeTimeoutMilliseconds = 5000;

    public static string Config(int port) => string.Create(CultureInfo.InvariantCulture, $"""
        # The settings every node of the Redis Cluster shares. Per pod, start.sh adds the addresses it announces and the
        # password (from the Secret).
        port {port}
        dir {DataPath}
        appendonly yes
        cluster-enabled yes
        cluster-config-file {DataPath}/nodes.conf
        cluster-node-timeout {NodeTimeoutMilliseconds}
        # Clients (CLUSTER SLOTS, MOVED redirects) get each node's stable DNS name (POD.SERVICE), not its pod IP, which
        # changes whenever the pod is recreated.
        cluster-preferred-endpoint-type hostname

        """);

    /// <summary>
    /// Starts one node. Environment: POD_NAME, POD_IP (downward API), SERVICE (the headless Service), REDIS_PASSWORD.
    /// </summary>
    public const string Start = $$"""
        #!/bin/sh
        # Starts one Redis Cluster node.
        set -eu
        conf={{DataPath}}/nodes.conf
        if [ -f "$conf" ]; then
            # nodes.conf remembers every node by the pod IP it had when last heard of. Pods get new IPs when they are
            # recreated; after all of them were (a node pool upgrade, say) no node could reach any other. So before Redis
            # reads it, each address becomes what that node's DNS name (the hostname it announces, kept in nodes.conf)
            # resolves to now. The headless Service publishes pods before they are ready, so the names resolve early;
            # a node not scheduled yet keeps its old address, and corrects it through gossip when it starts.
            tmp="$conf.rewrite"
            while read -r id addr rest; do
                if [ "$id" != vars ]; then
                    hostport=${addr%%@*}
                    bus=${addr#*@}
                    case "$bus" in
                        *,*) host=${bus#*,}; host=${host%%,*} ;;
                        *) host= ;;
                    esac
                    if [ -n "$host" ] && resolved=$(getent hosts "$host"); then
                        addr="${resolved%% *}:${hostport##*:}@$bus"
                    fi
                fi
                echo "$id $addr $rest"
            done < "$conf" > "$tmp"
            mv "$tmp" "$conf"
        fi
        # The pod IP for the cluster bus (other nodes connect to it), the stable DNS name for clients.
        exec redis-server {{MountPath}}/{{ConfigFile}} \
            --cluster-announce-ip "$POD_IP" \
            --cluster-announce-hostname "$POD_NAME.$SERVICE" \
            --requirepass "$REDIS_PASSWORD" \
            --masterauth "$REDIS_PASSWORD"

        """;

    /// <summary>
    /// Forms the cluster once every pod answers, unless it exists. Environment: STATEFULSET, SERVICE, NODES, REPLICAS,
    /// PORT, REDIS_PASSWORD. The Job's activeDeadlineSeconds bounds the wait.
    /// </summary>
    public const string Create = """
        #!/bin/sh
        # Forms the Redis Cluster: once all its pods answer, and only if no node knows another yet, so that running it
        # again (a re-applied Job, a retry after a failure) changes nothing.
        set -eu
        export REDISCLI_AUTH="$REDIS_PASSWORD"
        addresses=""
        known_max=1
        i=0
        while [ "$i" -lt "$NODES" ]; do
            host="$STATEFULSET-$i.$SERVICE"
            until [ "$(redis-cli -h "$host" -p "$PORT" ping 2>/dev/null)" = PONG ]; do
                echo "waiting for $host to answer PING"
                sleep 2
            done
            # --cluster create needs IP addresses (CLUSTER MEET takes no names); clients get the names later.
            resolved=$(getent hosts "$host")
            addresses="$addresses ${resolved%% *}:$PORT"
            known=$(redis-cli -h "$host" -p "$PORT" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
            if [ "${known:-1}" -gt "$known_max" ]; then
                known_max=$known
            fi
            i=$((i + 1))
        done
        if [ "$known_max" -gt 1 ]; then
            echo "The cluster exists (a node knows $known_max nodes): nothing to do."
            exit 0
        fi
        # One word per address: $addresses is split on purpose.
        # shellcheck disable=SC2086
        redis-cli --cluster create $addresses --cluster-replicas "$REPLICAS" --cluster-yes

        """;
}
