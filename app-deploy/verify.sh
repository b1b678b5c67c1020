#!/usr/bin/env bash
# shellcheck disable=SC2153,SC2154  # the server map's variables come from server-map.env (sourced below)
# Testinfra-style checks of a bootstrapped Table Order app server. Run as root on the server:
#
#   sudo bash verify.sh --http-port N --api-port N --green-port N
#
# Prints "ok: <check>" or "FAILED: <check>: <why>" per check; exits 1 if any failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The server map (paths, unit, user) the build renders beside this script: no path is written here.
[[ -r $here/server-map.env ]] || { echo "verify: $here/server-map.env is missing: run it through the build (--target=Verify)" >&2; exit 2; }
# shellcheck source=/dev/null
. "$here/server-map.env"

usage() {
    echo "usage: sudo bash verify.sh --http-port N --api-port N --green-port N   (e.g. --http-port 80 --api-port 8000 --green-port 8001)" >&2
    exit 2
}
http_port='' api_port='' green_port=''
while (( $# )); do
    case $1 in
        --http-port) [[ $# -ge 2 ]] || usage; http_port=$2; shift 2 ;;
        --api-port) [[ $# -ge 2 ]] || usage; api_port=$2; shift 2 ;;
        --http-port=*) http_port=${1#*=}; shift ;;
        --api-port=*) api_port=${1#*=}; shift ;;
        --green-port) [[ $# -ge 2 ]] || usage; green_port=$2; shift 2 ;;
        --green-port=*) green_port=${1#*=}; shift ;;
        -h|--help) usage ;;
        *) echo "verify: unknown argument '$1'" >&2; usage ;;
    esac
done
for p in "$http_port" "$api_port" "$green_port"; do
    if ! [[ $p =~ ^[0-9]{1,5}$ ]] || (( 10#$p < 1 || 10#$p > 65535 )); then
        echo "verify: --http-port, --api-port and --green-port must be port numbers 1-65535, got '$p'" >&2
        usage
    fi
done
[[ $(id -u) -eq 0 ]] || { echo "verify: run as root (nginx -t and some file checks need it): sudo bash $0 $*" >&2; exit 2; }

failures=0
ok() { printf 'ok: %s\n' "$1"; }
failed() { printf 'FAILED: %s: %s\n' "$1" "$2"; failures=$((failures + 1)); }
check() { # check NAME WHY-IF-FAILED COMMAND...
    local name=$1 why=$2
    shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else failed "$name" "$why"; fi
}

pkg_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# listeners on a TCP port, one local address per line (from ss)
listeners() { ss -Hltn "sport = :$1" 2>/dev/null | awk '{ print $4 }'; }

# ---- system, packages and runtime ------------------------------------------------------
# shellcheck disable=SC1091
os=$( . /etc/os-release 2>/dev/null && printf '%s %s (%s)' "${ID:-?}" "${VERSION_ID:-?}" "${VERSION_CODENAME:-?}")
if [[ $os == "debian 13 (trixie)" ]]; then ok "system is Debian 13 (trixie)"
else failed "system is Debian 13 (trixie)" "/etc/os-release says '$os'"; fi
for p in nginx python3-venv python3-fastapi python3-uvicorn python3-sqlalchemy python3-alembic python3-psycopg2 python3-redis; do
    check "package $p installed" "$p package not installed" pkg_installed "$p"
done
live=$(cat "$LIVE_SLOT_FILE" 2>/dev/null || true)
if [[ $live == blue || $live == green ]]; then ok "a live API slot ($live)"; else failed "a live API slot" "$LIVE_SLOT_FILE says '${live:-nothing}'"; live=blue; fi
venv=$SLOTS/$live/$RELEASE_VENV
check "the live release has its own venv" "no $venv/bin/python" test -x "$venv/bin/python"
if v=$("$venv/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3]); sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>&1); then
    ok "python in the live venv >= 3.13 ($v)"
else
    failed "python in the live venv >= 3.13" "got '${v:-none}'"
fi
check "the live venv sees Debian's packages (system site packages)" "include-system-site-packages is not true in pyvenv.cfg" \
    grep -qx 'include-system-site-packages = true' "$venv/pyvenv.cfg"
check "fastapi, uvicorn, sqlalchemy, alembic, psycopg2, redis importable in the live venv" "an import fails in $venv" \
    "$venv/bin/python" -c 'import fastapi, uvicorn, sqlalchemy, alembic, psycopg2, redis'
check "nothing pending on the server" "$(find "$PENDING_DIR" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)" test -z "$(find "$PENDING_DIR" -mindepth 1 -maxdepth 1 2>/dev/null)"
check "user $APP_USER exists" "no such user" getent passwd "$APP_USER"

# ---- services --------------------------------------------------------------------------
for unit in nginx.service "tableorder-api@$live.service"; do
    state=$(systemctl is-enabled "$unit" 2>&1)
    if [[ $state == enabled ]]; then ok "$unit enabled"; else failed "$unit enabled" "is-enabled says '$state'"; fi
    state=$(systemctl is-active "$unit" 2>&1)
    if [[ $state == active ]]; then ok "$unit running"; else failed "$unit running" "is-active says '$state'"; fi
done

# ---- ports -----------------------------------------------------------------------------
if [[ -n $(listeners "$http_port") ]]; then
    ok "HTTP port $http_port open ($(listeners "$http_port" | tr '\n' ' '| sed 's/ $//'))"
else
    failed "HTTP port $http_port open" "nothing listens on TCP $http_port"
fi
# with a domain (bootstrap's server.conf says), plain HTTP redirects and the site is HTTPS
domain=$(sed -n 's/^DOMAIN=//p' "$CONF_DIR/server.conf" 2>/dev/null || true)
https_port=$(sed -n 's/^HTTPS_PORT=//p' "$CONF_DIR/server.conf" 2>/dev/null || true)
site=http://127.0.0.1:$http_port
site_opts=()
if [[ -n $domain && -s /etc/letsencrypt/live/$domain/fullchain.pem ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$http_port/" 2>/dev/null)
    if [[ $code == 301 ]]; then ok "HTTP GET / on $http_port redirects to HTTPS"; else failed "HTTP GET / on $http_port redirects to HTTPS" "got '$code'"; fi
    site=https://$domain:$https_port
    site_opts=(--resolve "$domain:$https_port:127.0.0.1")
    if [[ -s $ACME_ROOT_FILE ]]; then site_opts+=(--cacert "$ACME_ROOT_FILE"); fi
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${site_opts[@]}" "$site/" 2>/dev/null)
if [[ $code == 200 ]]; then ok "GET $site/ answers 200"; else failed "GET $site/ answers 200" "got '$code'"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${site_opts[@]}" "$site/api/health" 2>/dev/null)
if [[ $code == 200 ]]; then ok "API health through nginx answers 200"; else failed "API health through nginx answers 200" "got '$code'"; fi

if [[ $live == green ]]; then api_port=$green_port; fi
api_addrs=$(listeners "$api_port")
if [[ -z $api_addrs ]]; then
    failed "API port $api_port listening on loopback only" "nothing listens on TCP $api_port"
elif grep -Evq '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$' <<<"$api_addrs"; then
    failed "API port $api_port listening on loopback only" "listens on $(tr '\n' ' ' <<<"$api_addrs")"
else
    ok "API port $api_port listening on loopback only ($(tr '\n' ' ' <<<"$api_addrs" | sed 's/ $//'))"
fi

# ---- files -------------------------------------------------------------------------------
private_file() { # private_file FILE OWNER [WHY]: 0600 and the owner's, when it exists
    local got
    if [[ ! -e $1 ]]; then ok "$1 absent (nothing to check)"; return; fi
    got=$(stat -c '%a %U' "$1")
    if [[ $got == "600 $2" ]]; then ok "$1 is 0600 $2${3:+ ($3)}"
    else failed "$1 is 0600 $2${3:+ ($3)}" "is '$got'"; fi
}
private_file "$ENV_FILE" "$APP_USER"
private_file "$MIGRATE_ENV_FILE" root "the app user cannot read the owner's URL"
if grep -q 'sslmode=verify-full' "$ENV_FILE" 2>/dev/null; then
    check "the database CA $DB_CA_FILE is installed (the app verifies the database)" "missing or empty" test -s "$DB_CA_FILE"
fi
deny=$(systemctl show -P IPAddressDeny "tableorder-api@$live.service" 2>&1)
if [[ " $deny " == *" 169.254.169.254/32 "* ]]; then ok "the API cannot reach the instance metadata service (IPAddressDeny)"
else failed "the API cannot reach the instance metadata service (IPAddressDeny)" "IPAddressDeny is '$deny'"; fi
got=$(stat -c '%a %U %G' "$CONF_DIR" 2>&1)
if [[ $got == "750 root $APP_USER" ]]; then ok "$CONF_DIR is 0750 root:$APP_USER"
else failed "$CONF_DIR is 0750 root:$APP_USER" "is '$got'"; fi
check "$CURRENT exists" "missing or dangling" test -e "$CURRENT"
check "logrotate config $LOGROTATE_FILE" "missing" test -f "$LOGROTATE_FILE"

# ---- nginx config ------------------------------------------------------------------------
if out=$(nginx -t 2>&1); then ok "nginx -t passes"; else failed "nginx -t passes" "$(tr '\n' ' ' <<<"$out")"; fi

if (( failures )); then
    echo "verify: $failures check(s) FAILED"
    exit 1
fi
echo "verify: all checks passed"
