# Sourced by run.sh and test.sh: installs Debian's redis-server and rabbitmq-server when they are missing.
install_local_services() {
    local who="$1" missing=()
    [ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
    [ ${#missing[@]} -eq 0 ] && return 0

    echo "$who: installing ${missing[*]} from Debian's packages..."
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "$who: run as root or install sudo to install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Sourced by test.sh: installs Debian's chromium, the browser the web page's tests drive, when it is missing.
install_chromium() {
    local who="$1"
    [ -x /usr/bin/chromium ] && return 0

    echo "$who: installing chromium from Debian's packages..."
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "$who: run as root or install sudo to install chromium" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}
