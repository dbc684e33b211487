#!/usr/bin/env bash
# Prints a chat token for USER: registers the user with PASSWORD, or logs in if the name is taken.
#
#   scripts/token.sh USER PASSWORD [CHATAPI_URL]      (default http://localhost:5170)
set -euo pipefail
user="${1:?usage: token.sh USER PASSWORD [URL]}"
password="${2:?usage: token.sh USER PASSWORD [URL]}"
url="${3:-http://localhost:5170}"
body=$(printf '{"username":"%s","password":"%s"}' "$user" "$password")

answer=$(curl -sS -X POST "$url/api/auth/register" -H 'Content-Type: application/json' -d "$body" -w '\n%{http_code}')
if [ "$(tail -n1 <<<"$answer")" = 409 ]; then
    answer=$(curl -sS -X POST "$url/api/auth/login" -H 'Content-Type: application/json' -d "$body" -w '\n%{http_code}')
fi

status=$(tail -n1 <<<"$answer")
json=$(head -n -1 <<<"$answer")
if [ "$status" != 200 ] && [ "$status" != 201 ]; then
    echo "token.sh: $status $json" >&2
    exit 1
fi
sed -E 's/.*"token":"([^"]+)".*/\1/' <<<"$json"
