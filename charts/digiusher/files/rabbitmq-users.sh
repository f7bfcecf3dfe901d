#!/bin/sh
# Creates (or updates) one RabbitMQ user per DigiUsher service with the permissions of its line in
# rabbitmq-topology.tsv, through the management API. Idempotent. POSIX sh and curl only, so the same
# script runs in scripts/dev, a Compose one-shot container, the chart's Job and the tests.
#
#   RABBITMQ_MANAGEMENT_URL   e.g. http://rabbitmq:15672 (default: http://$RabbitMq__Host:15672, the services' broker host)
#   RABBITMQ_ADMIN_USERNAME / RABBITMQ_ADMIN_PASSWORD   a user tagged administrator (required)
#   RABBITMQ_VHOST            the services' virtual host (default /), created when missing
#   <COMPONENT>_RABBITMQ_USERNAME   e.g. DATA_SOURCE_RABBITMQ_USERNAME (default digiusher-<component>)
#   <COMPONENT>_RABBITMQ_PASSWORD   its password (required for every component of the topology file)
#   RABBITMQ_TOPOLOGY_FILE    default: rabbitmq-topology.tsv next to this script
#   RABBITMQ_COMPONENTS       the components to provision, space-separated (default: every line)
set -eu

RABBITMQ_MANAGEMENT_URL="${RABBITMQ_MANAGEMENT_URL:-http://${RabbitMq__Host:?RABBITMQ_MANAGEMENT_URL or RabbitMq__Host is required}:15672}"
: "${RABBITMQ_ADMIN_USERNAME:?RABBITMQ_ADMIN_USERNAME is required}"
: "${RABBITMQ_ADMIN_PASSWORD:?RABBITMQ_ADMIN_PASSWORD is required}"
vhost="${RABBITMQ_VHOST:-/}"
topology="${RABBITMQ_TOPOLOGY_FILE:-$(dirname "$0")/rabbitmq-topology.tsv}"
api="${RABBITMQ_MANAGEMENT_URL%/}/api"
vhost_path="$(printf '%s' "$vhost" | sed 's|%|%25|g; s|/|%2F|g')"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

put() { # path json
  status="$(curl -sS -o "$out" -w '%{http_code}' -u "$RABBITMQ_ADMIN_USERNAME:$RABBITMQ_ADMIN_PASSWORD" \
    -X PUT -H 'content-type: application/json' --data "$2" "$api/$1")" || { echo "rabbitmq-users: PUT $1 failed (is $RABBITMQ_MANAGEMENT_URL up?)" >&2; exit 1; }
  case "$status" in
    2??) ;;
    *) echo "rabbitmq-users: PUT $1 answered $status: $(cat "$out")" >&2; exit 1 ;;
  esac
}
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
types() { [ "$1" = "-" ] && return 0; printf 'DigiUsher\\.Contracts:(%s)' "$(printf '%s' "$1" | tr ',' '|')"; }
either() { # the non-empty alternatives, anchored
  result=""
  for part in "$@"; do [ -n "$part" ] && result="${result:+$result|}$part"; done
  printf '^(%s)$' "$result"
}

for wanted in ${RABBITMQ_COMPONENTS:-}; do
  grep -q "^$wanted$(printf '\t')" "$topology" || { echo "rabbitmq-users: $wanted has no line in $topology (what may it publish and consume?)" >&2; exit 1; }
done

put "vhosts/$vhost_path" '{}'
tab="$(printf '\t')"
grep -v '^#' "$topology" | grep -v '^[[:space:]]*$' | while IFS="$tab" read -r component own publishes consumes replies; do
  case " ${RABBITMQ_COMPONENTS:-$component} " in *" $component "*) ;; *) continue ;; esac
  var="$(printf '%s' "$component" | tr 'a-z-' 'A-Z_')"
  username="$(eval "printf '%s' \"\${${var}_RABBITMQ_USERNAME:-digiusher-$component}\"")"
  password="$(eval "printf '%s' \"\${${var}_RABBITMQ_PASSWORD:-}\"")"
  [ -n "$password" ] || { echo "rabbitmq-users: ${var}_RABBITMQ_PASSWORD is required" >&2; exit 1; }
  fault='MassTransit:Fault.*'
  replies_to=""
  [ "$replies" = "-" ] || replies_to="($(printf '%s' "$replies" | tr ',' '|'))-bus-.*"
  configure="$(either "$own" "$(types "$publishes")" "$(types "$consumes")" "$fault" "$replies_to")"
  write="$(either "$own" "$(types "$publishes")" "$fault" "$replies_to")"
  read="$(either "$own" "$(types "$consumes")" "$fault")"
  put "users/$username" "{\"password\":$(json_string "$password"),\"tags\":\"\"}"
  put "permissions/$vhost_path/$username" "{\"configure\":$(json_string "$configure"),\"write\":$(json_string "$write"),\"read\":$(json_string "$read")}"
  echo "rabbitmq-users: $username on $vhost (configure $configure; write $write; read $read)"
done
