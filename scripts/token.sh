#!/usr/bin/env bash
# Prints a chat token for USER: registers the user with PASSWORD, or logs in if the name is taken.
#
#   scripts/token.sh USER PASSWORD [CHATAPI_URL]      (default http://localhost:5170)
#
# Needs only bash and curl: the JSON is written here (json_string), no jq or python.
set -euo pipefail
user="${1:?usage: token.sh USER PASSWORD [URL]}"
password="${2:?usage: token.sh USER PASSWORD [URL]}"
url="${3:-http://localhost:5170}"

# Prints $1 as a JSON string: quote and backslash escaped, control characters as \n, \t, ... or \u00XX; every
# other byte as it is (UTF-8 stays UTF-8, which JSON allows unescaped).
json_string() {
    local LC_ALL=C    # one byte at a time, whatever the locale: a multi-byte character passes through unchanged
    local text=$1 out='' char code i
    for ((i = 0; i < ${#text}; i++)); do
        char=${text:i:1}
        case $char in
            '"') out+='\"' ;;
            '\') out+='\\' ;;
            $'\n') out+='\n' ;;
            $'\r') out+='\r' ;;
            $'\t') out+='\t' ;;
            $'\b') out+='\b' ;;
            $'\f') out+='\f' ;;
            *)
                printf -v code '%d' "'$char"
                if ((code >= 0 && code < 32)); then
                    printf -v char '\\u%04x' "$code"
                fi
                out+=$char
                ;;
        esac
    done
    printf '"%s"' "$out"
}

body="{\"username\":$(json_string "$user"),\"password\":$(json_string "$password")}"

# The body goes on standard input, so the password is not in curl's command line for others to see.
post() {
    printf '%s' "$body" | curl -sS -X POST "$url/api/auth/$1" -H 'Content-Type: application/json' --data-binary @- -w '\n%{http_code}'
}

answer=$(post register)
if [ "$(tail -n1 <<<"$answer")" = 409 ]; then
    answer=$(post login)
fi

status=$(tail -n1 <<<"$answer")
json=$(head -n -1 <<<"$answer")
if [ "$status" != 200 ] && [ "$status" != 201 ]; then
    echo "token.sh: $status $json" >&2
    exit 1
fi
sed -E 's/.*"token":"([^"]+)".*/\1/' <<<"$json"
