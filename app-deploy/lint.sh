#!/usr/bin/env bash
# shellcheck disable=SC2153,SC2154  # the server map's variables come from the --server-map file
# Lint everything app-deploy/ puts on a server. Installs nothing; needs shellcheck, nginx,
# systemd-analyze and python3 on PATH (apt-get install -y shellcheck nginx-core systemd python3).
#
#   bash app-deploy/lint.sh --server-map FILE
#
# FILE is the server map the build renders (server-map.env): `--target=Lint` passes it.
# Prints "ok: <lint>" / "FAILED: <lint>" per lint; exit 1 if any failed, 2 if a tool is missing.
# reference-app/ is linted by its owner, not here.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ${1:-} != --server-map || ! -r ${2:-} ]]; then
    echo "usage: bash lint.sh --server-map FILE   (the server-map.env the build renders; run --target=Lint)" >&2
    exit 2
fi
# shellcheck source=/dev/null
. "$2"
map_values=("APP_USER=$APP_USER" "BASE=$BASE" "SLOTS=$SLOTS" "RELEASE_VENV=$RELEASE_VENV" "CONF_DIR=$CONF_DIR" "ENV_FILE=$ENV_FILE" "API_LOG=$API_LOG" "LOG_DIR=$LOG_DIR" "INSTANCE_METADATA=$INSTANCE_METADATA")
missing=()
for tool in shellcheck nginx systemd-analyze python3 openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if (( ${#missing[@]} )); then
    echo "lint: missing tool(s): ${missing[*]} (Debian: apt-get install -y shellcheck nginx-core systemd python3)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { printf 'ok: %s\n' "$1"; }
failed() { printf 'FAILED: %s\n' "$1"; sed 's/^/    /' "$2"; failures=$((failures + 1)); }

# render, as bootstrap.sh and slot.sh fill the templates
# shellcheck source=SCRIPTDIR/server/script-lib.sh
. "$here/server/script-lib.sh"

# ---- shellcheck on every script ------------------------------------------------------------
mapfile -t scripts < <(find "$here" -path "$here/reference-app" -prune -o -type f -name '*.sh' -print | sort)
for s in "${scripts[@]}"; do
    name=${s#"$here"/}
    if shellcheck -x -s bash "$s" >"$work/out" 2>&1; then ok "shellcheck $name"; else failed "shellcheck $name" "$work/out"; fi
done

# ---- nginx -t on the site, rendered with a test prefix, for the local and production ports ---
# shellcheck source=/dev/null
. "$here/server/site-template.sh"
# both forms: HTTP only, and HTTPS (ACME challenge, redirect, TLS with a throwaway certificate)
cert=$work/cert
mkdir -p "$cert"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=lint.example.com \
    -keyout "$cert/privkey.pem" -out "$cert/fullchain.pem" >/dev/null 2>&1
for ports in "8080 18000 8443 0" "80 8000 443 0" "8080 18000 8443 1" "80 8000 443 1"; do
    read -r http api https tls <<<"$ports"
    prefix=$work/nginx-$http-$tls
    mkdir -p "$prefix/logs" "$prefix/slots/blue/ui"
    # the live file as slot.sh writes it, and the site that includes it
    render "$here/server/nginx-live.conf.in" "API_PORT=$api" "UI_ROOT=$prefix/slots/blue/ui" "SLOT=blue" "RELEASE=lint" >"$prefix/live.conf"
    # maintenance as slot.sh switches it on (the "off" form differs only in its values)
    render "$here/server/nginx-maintenance.conf.in" "STATE=on" "ON=1" "PASS=0123456789abcdef0123456789abcdef" "RETRY_AFTER=60" >"$prefix/maintenance.conf"
    # production's ports with a load balancer's subnets in front, the local ones without
    cidrs=''
    (( http != 80 )) || cidrs=10.0.1.0/24,10.0.2.0/24
    site_render "$tls" "$tls" "$here/server" "$cidrs" "HTTP_PORT=$http" "HTTPS_PORT=$https" "HTTPS_REDIRECT_PORT=:$https" "DOMAIN=lint.example.com" \
        "CERT_DIR=$cert" "ACME_WEBROOT=$prefix/acme" "LIVE_CONF=$prefix/live.conf" "MAINTENANCE_CONF=$prefix/maintenance.conf" "NGINX_LOG_DIR=$prefix/logs" \
        "API_RATE=$API_RATE" "API_BURST=$API_BURST" "STREAMS_PER_CLIENT=$STREAMS_PER_CLIENT" >"$prefix/site.conf"
    mime=''
    [[ -f /etc/nginx/mime.types ]] && mime='include /etc/nginx/mime.types;'
    cat >"$prefix/nginx.conf" <<EOF
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log;
events { worker_connections 64; }
http {
    $mime
    client_body_temp_path $prefix/tmp-body;
    proxy_temp_path $prefix/tmp-proxy;
    fastcgi_temp_path $prefix/tmp-fastcgi;
    uwsgi_temp_path $prefix/tmp-uwsgi;
    scgi_temp_path $prefix/tmp-scgi;
    access_log $prefix/logs/access.log;
    include $prefix/site.conf;
}
EOF
    if nginx -t -q -p "$prefix" -c "$prefix/nginx.conf" >"$work/out" 2>&1; then
        ok "nginx -t on the site (http $http, api $api, https $(( tls )) on $https)"
    else
        failed "nginx -t on the site (http $http, api $api, https $(( tls )) on $https)" "$work/out"
    fi
done
# the SSE essentials must stay in /api/
for directive in 'proxy_buffering off;' 'proxy_cache off;' 'proxy_http_version 1.1;' 'proxy_read_timeout'; do
    if grep -q -- "$directive" "$here/server/nginx-app.conf.in"; then ok "nginx site has $directive"
    else echo "missing $directive" >"$work/out"; failed "nginx site has $directive" "$work/out"; fi
done

# ---- systemd-analyze verify on the unit, in a scratch root, no warnings allowed -------------
root=$work/root
unit=tableorder-api@blue.service
mkdir -p "$root/etc/systemd/system" "$root$SLOTS/blue/$RELEASE_VENV/bin" "$root/usr/lib/systemd" "$root$CONF_DIR"
for d in /usr/lib/systemd/system /lib/systemd/system; do
    if [[ -d $d ]]; then cp -a "$d" "$root/usr/lib/systemd/"; break; fi
done
printf '#!/bin/sh\n' >"$root$SLOTS/blue/$RELEASE_VENV/bin/python"
chmod 0755 "$root$SLOTS/blue/$RELEASE_VENV/bin/python"
printf 'PORT=8000\n' >"$root$CONF_DIR/slot-blue.env"
render "$here/server/tableorder-api@.service.in" "${map_values[@]}" >"$root/etc/systemd/system/$UNIT_TEMPLATE"
if grep -q '@[A-Z_]*@' "$root/etc/systemd/system/$UNIT_TEMPLATE"; then
    grep '@[A-Z_]*@' "$root/etc/systemd/system/$UNIT_TEMPLATE" >"$work/out"
    failed "unit template fully rendered" "$work/out"
fi
if SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no --root="$root" "$unit" >"$work/out" 2>&1 \
    && [[ ! -s $work/out ]]; then
    ok "systemd-analyze verify $unit (no warnings)"
else
    failed "systemd-analyze verify $unit (no warnings)" "$work/out"
fi

# ---- CloudWatch agent config ------------------------------------------------------------------
if python3 - "$here/cloudwatch/amazon-cloudwatch-agent.json" >"$work/out" 2>&1 <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
groups = {f["log_group_name"] for f in cfg["logs"]["logs_collected"]["files"]["collect_list"]}
need = {"/aws/ec2/table-order/fastapi", "/aws/ec2/table-order/nginx"}
assert need <= groups, f"log groups missing: {sorted(need - groups)}"
metrics = cfg["metrics"]["metrics_collected"]
assert "mem" in metrics and "disk" in metrics, "mem and disk metrics must be collected"
EOF
then
    ok "CloudWatch agent JSON parses, ships both log groups, collects mem and disk"
else
    failed "CloudWatch agent JSON" "$work/out"
fi

if (( failures )); then
    echo "lint: $failures lint(s) FAILED"
    exit 1
fi
echo "lint: all lints passed"
