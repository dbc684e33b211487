# Sourced by run.sh and test.sh: installs what Chattorum needs from Debian's packages when it is missing.

# apt_install WHO PACKAGE...: as root, or through sudo.
apt_install() {
    local who="$1"
    shift
    echo "$who: installing $* from Debian's packages..."
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "$who: run as root or install sudo to install $*" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# Redis and RabbitMQ, which the AppHost (and the tests) run as local processes without a container runtime.
install_local_services() {
    local who="$1" missing=()
    [ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
    [ ${#missing[@]} -eq 0 ] || apt_install "$who" "${missing[@]}"
}

# Redis alone, for the Redis Cluster mode, whose nodes run as local processes even where containers run.
# Debian's redis-server depends on redis-tools, which brings redis-cli (the cluster's bootstrap step runs it).
install_local_redis() {
    { [ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1; } \
        && { [ -x /usr/bin/redis-cli ] || command -v redis-cli >/dev/null 2>&1; } \
        || apt_install "$1" redis-server
}

# The browser the web page's tests drive.
install_chromium() {
    [ -x /usr/bin/chromium ] || apt_install "$1" chromium
}
