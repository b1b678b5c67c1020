#!/usr/bin/env bash
# shellcheck disable=SC2153,SC2154  # the server map's variables come from server-map.env (sourced below)
# Bootstrap the Table Order app server: Nginx, Debian's Python stack in a venv, the
# tableorder user and folders, the tableorder-api systemd unit, the Nginx site, logrotate,
# a placeholder release and (production) the CloudWatch agent.
#
# Runs as root from an uploaded copy of app-deploy/ on Debian 13 (trixie) only: the
# official Debian 13 AMI in production, the debootstrapped trixie machine locally
# (local/make-rootfs.sh). Any other system is refused before anything is changed.
#
#   sudo bash bootstrap.sh --http-port N --api-port N --green-port N \
#        [--python-deps distro|lock] [--cloudwatch on|off] [--stamp FINGERPRINT] \
#        [--db-ca FILE | --db-ca-url URL --db-ca-sha256 SHA256] \
#        [--domain NAME --https-port N [--acme-server URL] [--acme-ca FILE] [--acme-root FILE] | --http-only]
#        [--load-balancer-cidrs CIDR[,CIDR...]]
#
# Idempotent: every file is compared before it is written, every service is reloaded or
# restarted only when something it uses changed. Each change prints "changed: <what>".
# The LAST line of output is always the result line (server/script-lib.sh), which the build
# parses: tableorder-result: {"script":"bootstrap","ok":true,"exit":0,"changes":N,"changed":[...]}
# ("ok":false, the exit code and the error when it failed).
set -euo pipefail
umask 022
shopt -u patsub_replacement 2>/dev/null || true   # bash 5.2: '&' in ${x//a/b} stays literal

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here SCRIPT_NAME=bootstrap
# shellcheck source=SCRIPTDIR/server/script-lib.sh
. "$here/server/script-lib.sh"
# The server map (paths, unit, user), rendered by the build from build/Server/ServerMap.cs and
# uploaded beside this script: no path of the map is written here.
load_server_map "$here"
# the map's values for the templates (@APP_USER@, @CURRENT@, ...)
readonly MAP_VALUES=("APP_USER=$APP_USER" "BASE=$BASE" "SLOTS=$SLOTS" "RELEASE_VENV=$RELEASE_VENV" "CONF_DIR=$CONF_DIR" "ENV_FILE=$ENV_FILE" "API_LOG=$API_LOG" "LOG_DIR=$LOG_DIR" "INSTANCE_METADATA=$INSTANCE_METADATA")
readonly CW_CONFIG=/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
readonly CW_CTL=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
readonly WAIT_SECONDS=600

changes=()
created_policy_rc_d=0

changed() { changes+=("$*"); printf 'changed: %s\n' "$*"; }

on_exit() {
    local rc=$?
    if (( created_policy_rc_d )); then rm -f /usr/sbin/policy-rc.d; fi
    # the last line, whatever happened: what changed, as data
    result_field changes "${#changes[@]}"
    result_field changed "$(json_strings "${changes[@]}")"
    result_line "$rc"
}
trap on_exit EXIT

usage() {
    cat >&2 <<'EOF'
usage: sudo bash bootstrap.sh --http-port N --api-port N --green-port N
                              [--python-deps distro|lock] [--cloudwatch on|off] [--stamp SHA256]
                              [--db-ca FILE | --db-ca-url URL --db-ca-sha256 SHA256]
                              [--domain NAME --https-port N [--acme-server URL]
                               [--acme-ca FILE] [--acme-root FILE] | --http-only]
                              [--load-balancer-cidrs CIDR[,CIDR...]]
  --http-port     port Nginx serves the UIs and /api/ on (production 80, local 8080)
  --api-port      loopback port of the API's blue slot (production 8000, local 18000)
  --green-port    loopback port of the API's green slot (production 8001, local 18001)
  --python-deps   both: Debian's python3-* packages (FastAPI, uvicorn, SQLAlchemy, Alembic,
                  psycopg2, redis) and a venv with --system-site-packages over them
                  distro: that is all (default)
                  lock:   what a release's requirements.txt adds beyond Debian's packages
                          is installed from its requirements.lock only (pip --require-hashes
                          --no-deps, as the release build user BUILD_USER, never root); a release
                          that needs more and has no lock is refused (needs a package index)
  --cloudwatch    configure the CloudWatch agent (default: off); the instance's user data
                  installs it (a pinned version, SHA-256 checked). The build decides: on
                  where there is AWS (production), off locally
  --db-ca         the database's CA (a file beside this script, or a path): installed as
                  the server map's DB_CA_FILE; the app verifies the database against it
                  (sslmode=verify-full)
  --db-ca-url     instead: download the database's CA bundle (https) and install it only
  --db-ca-sha256    when its SHA-256 is this one (Amazon RDS's bundle)
  --stamp         the build's fingerprint of this script's inputs (64 hex digits): removed
                  when the run starts, kept in the deploy state folder when it finishes, so
                  the build's one-call probe can tell that nothing changed since
  --domain        serve HTTPS for this name: certbot gets its certificate over ACME HTTP-01
                  through Nginx, its timer renews it, plain HTTP redirects (default: none,
                  HTTP only)
  --https-port    port Nginx serves HTTPS on (production 443)
  --acme-server   the ACME directory URL (default: Let's Encrypt's)
  --acme-ca       a CA file certbot trusts for the ACME server only (a local test CA)
  --acme-root     the root the served certificate must chain to; one that does not is
                  issued again (a local test CA that started over)
  --http-only     turn off the HTTPS this server has (its recorded domain) on purpose;
                  without it, and without --domain, a server that serves HTTPS refuses
  --load-balancer-cidrs
                  the load balancer's addresses: Nginx takes the client's address from
                  X-Forwarded-For and the scheme from X-Forwarded-Proto only from these
                  (default: none, no load balancer in front)
example: sudo bash bootstrap.sh --http-port 8080 --api-port 18000 --green-port 18001 --python-deps distro --cloudwatch off
EOF
    exit 2
}

# ---- arguments: all validated before the first side effect ----------------------------
http_port='' api_port='' green_port='' python_deps='' stop_at='' cloudwatch='' stamp=''
domain='' https_port='' acme_server='' acme_ca='' acme_root='' http_only=0 db_ca='' db_ca_url='' db_ca_sha256=''
# a scaled-out server's first boot (its user data) names the load balancer's subnets in the
# environment, which an older bootstrap.sh from the release bucket ignores; the flag wins
lb_cidrs=${TABLEORDER_LOAD_BALANCER_CIDRS:-}
while (( $# )); do
    case $1 in
        --http-port|--api-port|--green-port|--python-deps|--cloudwatch|--stop-at|--stamp|--domain|--https-port|--acme-server|--acme-ca|--acme-root|--load-balancer-cidrs|--db-ca|--db-ca-url|--db-ca-sha256)
            (( $# >= 2 )) || { echo "bootstrap: error: $1 needs a value" >&2; usage; }
            case $1 in
                --http-port) http_port=$2 ;;
                --api-port) api_port=$2 ;;
                --green-port) green_port=$2 ;;
                --stop-at) stop_at=$2 ;;
                --python-deps) python_deps=$2 ;;
                --cloudwatch) cloudwatch=$2 ;;
                --stamp) stamp=$2 ;;
                --domain) domain=$2 ;;
                --https-port) https_port=$2 ;;
                --acme-server) acme_server=$2 ;;
                --acme-ca) acme_ca=$2 ;;
                --acme-root) acme_root=$2 ;;
                --load-balancer-cidrs) lb_cidrs=$2 ;;
                --db-ca) db_ca=$2 ;;
                --db-ca-url) db_ca_url=$2 ;;
                --db-ca-sha256) db_ca_sha256=$2 ;;
            esac
            shift 2 ;;
        --http-port=*) http_port=${1#*=}; shift ;;
        --api-port=*) api_port=${1#*=}; shift ;;
        --green-port=*) green_port=${1#*=}; shift ;;
        --stop-at=*) stop_at=${1#*=}; shift ;;
        --python-deps=*) python_deps=${1#*=}; shift ;;
        --cloudwatch=*) cloudwatch=${1#*=}; shift ;;
        --stamp=*) stamp=${1#*=}; shift ;;
        --domain=*) domain=${1#*=}; shift ;;
        --https-port=*) https_port=${1#*=}; shift ;;
        --acme-server=*) acme_server=${1#*=}; shift ;;
        --acme-ca=*) acme_ca=${1#*=}; shift ;;
        --acme-root=*) acme_root=${1#*=}; shift ;;
        --load-balancer-cidrs=*) lb_cidrs=${1#*=}; shift ;;
        --http-only) http_only=1; shift ;;
        --db-ca=*) db_ca=${1#*=}; shift ;;
        --db-ca-url=*) db_ca_url=${1#*=}; shift ;;
        --db-ca-sha256=*) db_ca_sha256=${1#*=}; shift ;;
        -h|--help) usage ;;
        *) echo "bootstrap: error: unknown argument '$1'" >&2; usage ;;
    esac
done

valid_port "$http_port" || die "--http-port must be a port number 1-65535, got '$http_port' (e.g. --http-port 80)"
valid_port "$api_port" || die "--api-port must be a port number 1-65535, got '$api_port' (e.g. --api-port 8000)"
valid_port "$green_port" || die "--green-port must be a port number 1-65535, got '$green_port' (e.g. --green-port 8001)"
http_port=$((10#$http_port)) api_port=$((10#$api_port)) green_port=$((10#$green_port))
(( http_port != api_port && http_port != green_port && api_port != green_port )) \
    || die "--http-port, --api-port and --green-port must all differ ($http_port, $api_port, $green_port)"
[[ -n $python_deps ]] || python_deps=distro
[[ $python_deps != pip ]] || die "--python-deps pip (unpinned, as root) is gone: use --python-deps lock (a release's requirements.lock with hashes)"
[[ $python_deps == distro || $python_deps == lock ]] \
    || die "--python-deps must be 'distro' or 'lock', got '$python_deps'"
[[ -n $cloudwatch ]] || cloudwatch=off
[[ $cloudwatch == on || $cloudwatch == off ]] || die "--cloudwatch must be 'on' or 'off', got '$cloudwatch'"
[[ -z $stamp || $stamp =~ ^[0-9a-f]{64}$ ]] || die "--stamp must be 64 lowercase hex digits (the build's fingerprint), got '$stamp'"
if [[ -n $domain ]]; then
    [[ $domain =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$ ]] \
        || die "--domain must be a lower-case DNS name such as shop.example.com, got '$domain'"
    valid_port "$https_port" || die "--https-port must be a port number 1-65535, got '$https_port' (e.g. --https-port 443)"
    https_port=$((10#$https_port))
    (( https_port != http_port && https_port != api_port && https_port != green_port )) \
        || die "--https-port ($https_port) must differ from the other ports"
    [[ -n $acme_server ]] || acme_server=https://acme-v02.api.letsencrypt.org/directory
    [[ $acme_server == https://* ]] || die "--acme-server must be an https:// URL, got '$acme_server'"
    [[ -z $acme_ca || -r $acme_ca ]] || die "--acme-ca: no readable file '$acme_ca'"
    [[ -z $acme_root || -r $acme_root ]] || die "--acme-root: no readable file '$acme_root'"
elif [[ -n $https_port$acme_server$acme_ca$acme_root ]]; then
    die "--https-port, --acme-server, --acme-ca and --acme-root need --domain NAME"
fi
(( ! http_only )) || [[ -z $domain ]] || die "--http-only turns HTTPS off and --domain turns it on: give one of them"
# each an IPv4 or IPv6 network in CIDR form; Nginx checks them again (nginx -t)
IFS=',' read -r -a load_balancer_cidrs <<<"$lb_cidrs"
for cidr in "${load_balancer_cidrs[@]}"; do
    [[ $cidr =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ || $cidr =~ ^[0-9a-fA-F:]+/[0-9]{1,3}$ ]] \
        || die "--load-balancer-cidrs must be networks like 10.0.1.0/24,10.0.2.0/24, got '$cidr'"
done
if [[ -n $db_ca ]]; then
    [[ -z $db_ca_url$db_ca_sha256 ]] || die "--db-ca and --db-ca-url/--db-ca-sha256 exclude each other: give one CA"
    [[ $db_ca == /* ]] || db_ca=$here/$db_ca
    if [[ ! -r $db_ca ]] || ! grep -q -- '-----BEGIN CERTIFICATE-----' "$db_ca"; then
        die "--db-ca: '$db_ca' is not a readable PEM certificate file"
    fi
elif [[ -n $db_ca_url$db_ca_sha256 ]]; then
    [[ $db_ca_url == https://* ]] || die "--db-ca-url must be an https:// URL, got '$db_ca_url'"
    [[ $db_ca_sha256 =~ ^[0-9a-f]{64}$ ]] || die "--db-ca-sha256 must be 64 lowercase hex digits (the bundle's pinned SHA-256), got '$db_ca_sha256'"
fi
[[ $(id -u) -eq 0 ]] || die "must run as root: sudo bash $0 ..."
for f in slot.sh server/tableorder-api@.service.in server/nginx-site.conf.in server/nginx-app.conf.in server/site-template.sh server/nginx-live.conf.in server/nginx-maintenance.conf.in server/logrotate-tableorder \
    server/placeholder/app/main.py server/placeholder/ui/index.html.in cloudwatch/amazon-cloudwatch-agent.json; do
    [[ -f $here/$f ]] || die "$here/$f is missing: upload the whole app-deploy/ folder, not just bootstrap.sh"
done

# ---- which system is this: Debian 13 (trixie) only --------------------------------------
readonly SUPPORTED="Debian 13 (trixie) only (production: the official Debian 13 AMI, user admin; local: the machine app-deploy/local/make-rootfs.sh builds)"
[[ -r /etc/os-release ]] || die "/etc/os-release not found: unsupported system; this bootstrap supports $SUPPORTED"
# shellcheck disable=SC1091
IFS='|' read -r os_id os_version os_codename os_name < <(
    . /etc/os-release && printf '%s|%s|%s|%s\n' "${ID:-}" "${VERSION_ID:-}" "${VERSION_CODENAME:-}" "${PRETTY_NAME:-}")
os_name=${os_name:-$os_id $os_version}
if [[ $os_id != debian ]] || [[ $os_version != 13 && $os_codename != trixie ]]; then
    die "unsupported system '$os_name': this bootstrap supports $SUPPORTED"
fi
log "http-port=$http_port api-ports=$api_port,$green_port python-deps=$python_deps cloudwatch=$cloudwatch system=$os_name"
# HTTPS is never dropped by leaving --domain out: browsers that saw this site's HSTS header would
# find nothing on HTTPS for a year. Only --http-only turns it off.
served_domain=$(sed -n 's/^DOMAIN=//p' "$CONF_DIR/server.conf" 2>/dev/null || true)
if [[ -n $served_domain && -z $domain ]]; then
    (( http_only )) || die "this server serves HTTPS for $served_domain ($CONF_DIR/server.conf): pass --domain $served_domain to keep it (the build: --domain=$served_domain), or --http-only to turn it off on purpose"
    log "https: turned off for $served_domain (--http-only): browsers that saw its HSTS header (max-age one year) keep asking for https://$served_domain/ until it expires"
fi
if [[ -n $db_ca_url ]]; then log "database CA: $db_ca_url (SHA-256 $db_ca_sha256)"; elif [[ -n $db_ca ]]; then log "database CA: $db_ca"; fi
# Whatever happens from here, the last finished run's stamp no longer says what is installed.
rm -f "$BOOTSTRAP_STAMP" "$BOOTSTRAP_FILES"
if [[ -n $domain ]]; then log "https: $domain on :$https_port, certificate from $acme_server"; else log "https: off (no --domain): this server serves HTTP only"; fi

# ---- helpers ------------------------------------------------------------------------------
slot() { bash "$here/slot.sh" "$@"; }
# install_content DEST MODE OWNER GROUP WHAT  (content on stdin)
# Writes DEST only if content, mode or owner differ. Sets LAST_CHANGED=1 when it did.
LAST_CHANGED=0
install_content() {
    local dest=$1 mode=$2 owner=$3 group=$4 what=$5 tmp
    tmp=$(mktemp)
    cat >"$tmp"
    LAST_CHANGED=0
    if [[ -f $dest && ! -L $dest ]] && cmp -s "$tmp" "$dest"; then
        if [[ $(stat -c '%a %U %G' "$dest") != "${mode#0} $owner $group" ]]; then
            chown "$owner:$group" "$dest"
            chmod "$mode" "$dest"
            LAST_CHANGED=1
            changed "$what (owner/mode of $dest)"
        fi
        rm -f "$tmp"
        return 0
    fi
    # a temp name beside it, then a rename: a crash never leaves half a file in place
    install -D -m "$mode" -o "$owner" -g "$group" "$tmp" "$dest.tableorder-new"
    mv -f "$dest.tableorder-new" "$dest"
    rm -f "$tmp"
    LAST_CHANGED=1
    changed "$what ($dest)"
}

# ensure_dir PATH MODE OWNER GROUP
ensure_dir() {
    local dir=$1 mode=$2 owner=$3 group=$4
    if [[ ! -d $dir ]]; then
        install -d -m "$mode" -o "$owner" -g "$group" "$dir"
        changed "directory $dir"
    elif [[ $(stat -c '%a %U %G' "$dir") != "${mode#0} $owner $group" ]]; then
        chown "$owner:$group" "$dir"
        chmod "$mode" "$dir"
        changed "owner/mode of $dir ($mode $owner:$group)"
    fi
}

wait_for_cloud_init() {
    # A scaled-out server's user data runs this script inside cloud-init and says so in the
    # environment (not an argument: an older bootstrap.sh from the release bucket must still accept the call).
    if [[ ${TABLEORDER_FIRST_BOOT:-} == 1 ]]; then
        log "run from cloud-init's user data: not waiting for cloud-init (it waits for this script)"
    elif command -v cloud-init >/dev/null; then
        log "waiting for cloud-init to finish"
        local rc=0
        timeout "$WAIT_SECONDS" cloud-init status --wait >/dev/null 2>&1 || rc=$?
        # 0 done, 2 done with recoverable errors; anything else is worth a look but not fatal
        if (( rc != 0 )); then log "cloud-init status exit $rc (continuing): $(cloud-init status 2>&1 | tr '\n' ' ')"; fi
    else
        log "no cloud-init here: nothing to wait for"
    fi
}

wait_for_package_manager() {
    local pattern='^(apt|apt-get|aptitude|dpkg|unattended-upgr.*)$' waited=0
    while pgrep -- "$pattern" >/dev/null 2>&1; do
        if (( waited == 0 )); then log "waiting for another package manager run to finish: $(pgrep -a -- "$pattern" | head -n 3 | tr '\n' ';')"; fi
        (( waited < WAIT_SECONDS )) || die "package manager still busy after ${WAIT_SECONDS}s"
        sleep 5
        waited=$((waited + 5))
    done
}

apt_updated=0
apt_install() { # apt_install PKG...  (only the missing ones are passed in)
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
    local opts=(-q -y -o "DPkg::Lock::Timeout=$WAIT_SECONDS" -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    wait_for_package_manager
    # an install that was stopped (the build interrupted, a kill) left dpkg half done: finish it first
    dpkg --configure -a
    if (( ! apt_updated )); then
        apt-get "${opts[@]}" update
        apt_updated=1
    fi
    apt-get "${opts[@]}" install --no-install-recommends "$@"
}

pkg_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

ensure_packages() { # ensure_packages PKG...
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    (( ${#missing[@]} )) || return 0
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
    changed "packages installed: ${missing[*]}"
}

py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; }

# ---- 1. wait until the machine is ours; finish what a killed run left --------------------------
wait_for_cloud_init
wait_for_package_manager
# an install interrupted under our temporary policy-rc.d left it behind: services would never start
if [[ -f /usr/sbin/policy-rc.d ]] && grep -q 'temporary, bootstrap.sh' /usr/sbin/policy-rc.d; then
    rm -f /usr/sbin/policy-rc.d
    changed "removed a leftover /usr/sbin/policy-rc.d of an interrupted bootstrap"
fi
if [[ -d $PENDING_DIR ]] && [[ -n $(find "$PENDING_DIR" -mindepth 1 -maxdepth 1 2>/dev/null) ]]; then
    log "pending from an earlier run: $(find "$PENDING_DIR" -mindepth 1 -maxdepth 1 -printf '%f ')"
fi
if [[ -e $PENDING_DIR/switch ]] && command -v nginx >/dev/null; then
    slot resume
fi

# ---- 2. packages -------------------------------------------------------------------------------
# Python: Debian's own packages first, always (python3.13, FastAPI, uvicorn, SQLAlchemy 2.0,
# Alembic, psycopg2, redis-py); with --python-deps lock a release adds what its requirements.txt
# asks for beyond them from its hash lock only (slot.sh prepare).
readonly PYTHON_PKGS=(python3 python3-venv python3-fastapi python3-uvicorn python3-alembic
    python3-sqlalchemy python3-psycopg2 python3-redis)
python=/usr/bin/python3
apt_pkgs=(ca-certificates curl logrotate procps nginx "${PYTHON_PKGS[@]}")
# production: the build writes the env file from the RDS secret with the AWS CLI on the server
# the AWS CLI reads the database secret on the server where there is AWS (the CloudWatch agent marks it)
if [[ $cloudwatch == on ]] && ! command -v aws >/dev/null; then apt_pkgs+=(awscli); fi
# certbot (Debian's): webroot HTTP-01 through our Nginx; its package brings certbot.timer
if [[ -n $domain ]]; then apt_pkgs+=(certbot openssl); fi
if ! pkg_installed nginx && [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Debian's nginx postinst starts nginx with its default site on port 80. The local
    # machine shares the host's network, so port 80 may be taken: keep services from
    # starting during this install (policy-rc.d), then start nginx with our site only.
    printf '#!/bin/sh\n# temporary, bootstrap.sh: no service starts during package installs\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy_rc_d=1
fi
ensure_packages "${apt_pkgs[@]}"
if (( created_policy_rc_d )); then rm -f /usr/sbin/policy-rc.d; created_policy_rc_d=0; fi
py_ok "$python" || die "$python is not Python 3.13+ ($("$python" -V 2>&1)): is this really Debian 13?"
command -v nginx >/dev/null || die "nginx not found after installing it"

# ---- 3. users and folders --------------------------------------------------------------------
nologin=$(command -v nologin || echo /usr/sbin/nologin)
if ! getent passwd "$APP_USER" >/dev/null; then
    useradd --system --user-group --home-dir "$BASE" --no-create-home --shell "$nologin" \
        --comment "TableOrder API" "$APP_USER"
    changed "system user $APP_USER"
fi
# builds each release's venv and runs pip (slot.sh prepare): never root, never the app user
if ! getent passwd "$BUILD_USER" >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell "$nologin" \
        --comment "TableOrder release builds" "$BUILD_USER"
    changed "system user $BUILD_USER"
fi
ensure_dir "$BASE" 0755 root root
ensure_dir "$RELEASES" 0755 root root
ensure_dir "$BASE/shared" 0750 "$APP_USER" "$APP_USER"
ensure_dir "$CONF_DIR" 0750 root "$APP_USER"
ensure_dir "$LOG_DIR" 0750 "$APP_USER" "$APP_USER"
# pre-create the API log as the app user: systemd (root) appends to it, logrotate (as
# tableorder) truncates it, the CloudWatch agent (root) reads it
if [[ ! -f $API_LOG ]]; then
    install -m 0640 -o "$APP_USER" -g "$APP_USER" /dev/null "$API_LOG"
    changed "log file $API_LOG"
fi
if [[ -f $ENV_FILE && $(stat -c '%a %U' "$ENV_FILE") != "600 $APP_USER" ]]; then
    chown "$APP_USER:$APP_USER" "$ENV_FILE"
    chmod 0600 "$ENV_FILE"
    changed "owner/mode of $ENV_FILE (0600 $APP_USER)"
fi
# what this server was bootstrapped with, for the release/status steps (no secrets)
install_content "$CONF_DIR/server.conf" 0640 root "$APP_USER" "server settings" <<EOF
# written by app-deploy/bootstrap.sh
HTTP_PORT=$http_port
BLUE_PORT=$api_port
GREEN_PORT=$green_port
PYTHON_DEPS=$python_deps
PYTHON=$python
DOMAIN=$domain
HTTPS_PORT=$https_port
LOAD_BALANCER_CIDRS=$lb_cidrs
EOF
install -d -m 0755 "$STATE_DIR"

# ---- the database's CA: the app and the migrations verify the database (sslmode=verify-full) ---
if [[ -n $db_ca ]]; then
    install_content "$DB_CA_FILE" 0644 root root "database CA" <"$db_ca"
elif [[ -n $db_ca_url ]] && ! sha256sum --quiet -c - <<<"$db_ca_sha256  $DB_CA_FILE" >/dev/null 2>&1; then
    ca_download=$(mktemp)
    curl -fsSL --retry 3 --proto '=https' -o "$ca_download" "$db_ca_url" \
        || { rm -f "$ca_download"; die "could not download the database CA bundle $db_ca_url"; }
    ca_sum=$(sha256sum <"$ca_download" | cut -d' ' -f1)
    if [[ $ca_sum != "$db_ca_sha256" ]]; then
        rm -f "$ca_download"
        die "the database CA bundle $db_ca_url has SHA-256 $ca_sum, not the pinned $db_ca_sha256: refused, nothing installed. If AWS published a new bundle, check it and pin its SHA-256 (build/Aws/RdsCertificateAuthority.cs)"
    fi
    install_content "$DB_CA_FILE" 0644 root root "database CA ($db_ca_url, SHA-256 checked)" <"$ca_download"
    rm -f "$ca_download"
fi

# ---- 4. the layout before slots: one unit, one shared venv (servers bootstrapped earlier) ----
if [[ -f /etc/systemd/system/tableorder-api.service ]]; then
    systemctl disable --now --quiet tableorder-api.service 2>/dev/null || true
    rm -f /etc/systemd/system/tableorder-api.service
    systemctl daemon-reload
    changed "removed the single-slot unit tableorder-api.service (now $UNIT_TEMPLATE)"
fi
if [[ -d $BASE/venv ]]; then
    rm -rf --one-file-system "$BASE/venv"
    changed "removed the shared venv $BASE/venv (each release has its own)"
fi

# ---- 5. placeholder release (what serves until the first release), with its own venv ---------
live=$(cat "$LIVE_SLOT_FILE" 2>/dev/null || true)
placeholder_changed=0
install_content "$PLACEHOLDER/app/__init__.py" 0644 root root "placeholder app" <"$here/server/placeholder/app/__init__.py"
(( LAST_CHANGED )) && placeholder_changed=1
install_content "$PLACEHOLDER/app/main.py" 0644 root root "placeholder app" <"$here/server/placeholder/app/main.py"
(( LAST_CHANGED )) && placeholder_changed=1
for ui in customer:Customer admin:Admin superadmin:SuperAdmin; do
    install_content "$PLACEHOLDER/ui/${ui%%:*}/index.html" 0644 root root "placeholder ${ui#*:} UI" \
        < <(render "$here/server/placeholder/ui/index.html.in" "UI_TITLE=${ui#*:}")
done
install_content "$PLACEHOLDER/RELEASE_ID" 0644 root root "placeholder release id" <<<"placeholder"
find "$PLACEHOLDER" -type d ! -perm 0755 -exec chmod 0755 {} +
if (( placeholder_changed )); then rm -f "$PLACEHOLDER/$RELEASE_COMPLETE"; fi
if [[ ! -f $PLACEHOLDER/$RELEASE_COMPLETE ]]; then
    slot prepare placeholder
    changed "placeholder release prepared (its own venv)"
fi

# ---- 6. systemd unit: one template, an instance per slot ----------------------------------------
# the change is recorded before it is made and cleared after daemon-reload
unit_content=$(render "$here/server/tableorder-api@.service.in" "${MAP_VALUES[@]}"; echo x)
unit_content=${unit_content%x}
if [[ ! -f $UNIT_FILE ]] || ! cmp -s "$UNIT_FILE" <(printf '%s' "$unit_content"); then
    mark_pending daemon-reload
    # the live slot runs the old unit: the build restarts it through the slot switch
    [[ -z $live ]] || mark_pending api-refresh
fi
install_content "$UNIT_FILE" 0644 root root "systemd unit $UNIT_TEMPLATE" < <(printf '%s' "$unit_content")
stop_point after-unit-write
if [[ -e $PENDING_DIR/daemon-reload ]]; then
    systemctl daemon-reload
    clear_pending daemon-reload
fi

# ---- 7. the first slot: the placeholder on blue, live -------------------------------------------
# the distribution's default sites would also claim a port (80); this server has one site
for default_site in /etc/nginx/sites-enabled/default /etc/nginx/conf.d/default.conf; do
    if [[ -e $default_site || -L $default_site ]]; then
        rm -f "$default_site"
        changed "removed nginx default site $default_site"
        mark_pending nginx-reload
    fi
done
if [[ -z $live ]]; then
    slot start blue placeholder --port "$api_port"
    slot switch blue --port "$api_port"
    changed "slot blue serves the placeholder release"
    live=blue
elif (( placeholder_changed )) && [[ $(readlink -f "$CURRENT" 2>/dev/null) == "$PLACEHOLDER" ]]; then
    mark_pending api-refresh
fi

# ---- 8. Nginx site: recorded, written by a rename, checked, reloaded -----------------------------
# the site includes the maintenance file: its "off" form is there before the site (a restore turns it on)
if [[ ! -f $MAINTENANCE_CONF ]]; then
    slot maintenance off >/dev/null
    changed "maintenance file $MAINTENANCE_CONF (off)"
fi
nginx_log_dir=/var/log/nginx
# render_site TLS(0|1) -> stdout: the site with the plain HTTP server serving the app (0) or
# redirecting to the HTTPS one (1); with a domain, HTTP also answers the ACME challenge
# shellcheck source=/dev/null
. "$here/server/site-template.sh"
render_site() {
    local tls=$1 acme=0 redirect_port=''
    [[ -z $domain ]] || acme=1
    (( https_port == 443 )) || redirect_port=":$https_port"
    site_render "$tls" "$acme" "$here/server" "$lb_cidrs" "HTTP_PORT=$http_port" "HTTPS_PORT=$https_port" "HTTPS_REDIRECT_PORT=$redirect_port" \
        "DOMAIN=$domain" "CERT_DIR=/etc/letsencrypt/live/$domain" "ACME_WEBROOT=$ACME_WEBROOT" "LIVE_CONF=$LIVE_CONF" "MAINTENANCE_CONF=$MAINTENANCE_CONF" \
        "NGINX_LOG_DIR=$nginx_log_dir" "API_RATE=$API_RATE" "API_BURST=$API_BURST" "STREAMS_PER_CLIENT=$STREAMS_PER_CLIENT"
}

# apply_site TLS: write the site if it differs (recording the reload first), check it, reload
apply_site() {
    local site_content nginx_test
    site_content=$(render_site "$1"; echo x)
    site_content=${site_content%x}
    if [[ ! -f $SITE_FILE ]] || ! cmp -s "$SITE_FILE" <(printf '%s' "$site_content"); then
        mark_pending nginx-reload
        if [[ -f $SITE_FILE ]]; then cp -p "$SITE_FILE" "$STATE_DIR/site.prev"; fi
    fi
    install_content "$SITE_FILE" 0644 root root "nginx site" < <(printf '%s' "$site_content")
    stop_point after-site-write
    if ! nginx_test=$(nginx -t 2>&1); then
        printf '%s\n' "$nginx_test" >&2
        if [[ -f $STATE_DIR/site.prev ]]; then mv -f "$STATE_DIR/site.prev" "$SITE_FILE"; fi
        clear_pending nginx-reload
        die "nginx -t failed with the new site (see above): the previous site is back and the running nginx was not touched"
    fi
    rm -f "$STATE_DIR/site.prev"
    if [[ $(systemctl is-enabled nginx.service 2>/dev/null || true) != enabled ]]; then
        systemctl enable --quiet nginx.service
        changed "enabled nginx.service"
    fi
    if ! systemctl is-active --quiet nginx.service; then
        systemctl start nginx.service
        clear_pending nginx-reload
        changed "started nginx.service"
    elif [[ -e $PENDING_DIR/nginx-reload ]]; then
        systemctl reload nginx.service
        clear_pending nginx-reload
        changed "reloaded nginx.service (graceful)"
    fi
}

# certbot's live files for the domain: Nginx can serve them (whichever CA issued them)
live_cert=/etc/letsencrypt/live/$domain
renewal_conf=/etc/letsencrypt/renewal/$domain.conf
cert_present() { [[ -n $domain && -s $live_cert/fullchain.pem && -s $live_cert/privkey.pem ]]; }

# acme_account -> stdout: known, none (no account here for this CA), forgotten (the CA answers that it
# does not know it or that it is deactivated: a test CA that restarted, a changed directory, an account
# closed by hand) or unreachable (anything else: the CA is down, the network; nothing is decided then)
acme_account() {
    local logs out rc=0 state=unreachable
    logs=$(mktemp -d)
    out=$(env "${acme_env[@]}" certbot show_account --non-interactive --server "$acme_server" --logs-dir "$logs" 2>&1) || rc=$?
    if (( rc == 0 )); then
        state=known
    elif [[ $out == *'Could not find an existing account'* ]]; then
        state=none
    elif grep -Eqs 'urn:ietf:params:acme:error:(accountDoesNotExist|unauthorized)' "$logs/letsencrypt.log"; then
        state=forgotten
    fi
    rm -rf "$logs"
    printf '%s\n' "$state"
}

if [[ -n $domain ]]; then
    ensure_dir "$ACME_WEBROOT" 0755 root root
    # after every renewal (certbot.timer): check the config, then a graceful reload (no request dropped)
    install_content "$CERTBOT_DEPLOY_HOOK" 0755 root root "certbot deploy hook" <<'EOF'
#!/bin/sh
# Managed by app-deploy/bootstrap.sh: a renewed certificate goes live by a graceful reload.
nginx -t -q && systemctl reload nginx.service
EOF
    acme_env=()
    if [[ -n $acme_ca ]]; then
        install_content "$CONF_DIR/acme-ca.pem" 0644 root root "ACME server CA" <"$acme_ca"
        acme_env=("REQUESTS_CA_BUNDLE=$CONF_DIR/acme-ca.pem")
        # the timer's renewals talk to the same ACME server: certbot (only) trusts its CA
        install_content "$CERTBOT_DROP_IN" 0644 root root "certbot ACME CA" <<EOF
# Managed by app-deploy/bootstrap.sh: certbot trusts the (test) ACME server's CA, nothing else does.
[Service]
Environment=REQUESTS_CA_BUNDLE=$CONF_DIR/acme-ca.pem
EOF
        if (( LAST_CHANGED )); then systemctl daemon-reload; fi
    fi
    if [[ -n $acme_root ]]; then
        install_content "$ACME_ROOT_FILE" 0644 root root "ACME root" <"$acme_root"
    fi
    for unit in enable start; do
        if [[ $unit == enable && $(systemctl is-enabled certbot.timer 2>/dev/null || true) != enabled ]]; then
            systemctl enable --quiet certbot.timer
            changed "enabled certbot.timer"
        elif [[ $unit == start ]] && ! systemctl is-active --quiet certbot.timer; then
            systemctl start certbot.timer
            changed "started certbot.timer"
        fi
    done
fi

# Why the certificate must be issued (again); nothing when the one in place is good. The certificate
# in place keeps serving until its successor is there: only a server with none serves plain HTTP first.
reissue_reason=''
if [[ -n $domain ]]; then
    account=$(acme_account)
    if [[ $account == forgotten ]]; then
        # its key is worth nothing now: the next certbot call registers a new account with this CA
        rm -rf --one-file-system "/etc/letsencrypt/accounts/${acme_server#https://}"
        changed "ACME account forgotten by $acme_server removed: a new one is registered"
    fi
    if ! cert_present; then
        reissue_reason="no certificate for $domain yet"
    elif [[ $(sed -n 's/^server = //p' "$renewal_conf" 2>/dev/null) != "$acme_server" ]]; then
        reissue_reason="the certificate for $domain is from another ACME server than $acme_server"
    elif [[ -n $acme_root ]] && ! openssl verify -CAfile "$ACME_ROOT_FILE" -untrusted "$live_cert/chain.pem" "$live_cert/cert.pem" >/dev/null 2>&1; then
        reissue_reason="the certificate for $domain does not chain to --acme-root (the test CA started over)"
    elif [[ $account == forgotten || $account == none ]]; then
        # certbot.timer's renewals need an account the CA knows: registered with this certificate's successor
        reissue_reason="$acme_server knows no ACME account of this server for the certificate for $domain"
    elif [[ $account == unreachable ]]; then
        log "certbot could not ask $acme_server about its ACME account: the certificate for $domain stays as it is"
    fi
fi

if ! cert_present; then
    # HTTP first (the challenge must be reachable; without a domain that is the whole site)
    apply_site 0
else
    apply_site 1
fi
if [[ -n $reissue_reason ]]; then
    reissue=()
    if cert_present; then reissue=(--force-renewal); fi
    log "certbot: $reissue_reason: a certificate from $acme_server (HTTP-01 through Nginx on :$http_port)"
    if env "${acme_env[@]}" certbot certonly --non-interactive --agree-tos --register-unsafely-without-email \
        --webroot --webroot-path "$ACME_WEBROOT" --cert-name "$domain" --domains "$domain" \
        --server "$acme_server" --keep-until-expiring "${reissue[@]}"; then
        changed "certificate for $domain issued"
        stop_point after-certificate
        cert_present || die "certbot finished but $live_cert does not hold a certificate"
        mark_pending nginx-reload
        apply_site 1
    elif cert_present && [[ -z $acme_root ]]; then
        # the certificate in place is still valid for browsers: it serves on, the next bootstrap tries again
        log "warning: certbot could not issue a new certificate for $domain (see above): the current one keeps serving"
    else
        die "certbot could not get a certificate for $domain (see above): is its DNS record pointing at this server and port $http_port open?"
    fi
fi

# ---- 9. logrotate -----------------------------------------------------------------------------
install_content "$LOGROTATE_FILE" 0644 root root "logrotate config" < <(render "$here/server/logrotate-tableorder" "${MAP_VALUES[@]}")
# logrotate runs from its systemd timer on Debian; if the package was just
# installed under our policy-rc.d the timer is enabled but not started yet
if systemctl cat logrotate.timer >/dev/null 2>&1; then
    if [[ $(systemctl is-enabled logrotate.timer 2>/dev/null || true) != enabled ]]; then
        systemctl enable --quiet logrotate.timer
        changed "enabled logrotate.timer"
    fi
    if ! systemctl is-active --quiet logrotate.timer; then
        systemctl start logrotate.timer
        changed "started logrotate.timer"
    fi
fi

# ---- the API: never restarted here ------------------------------------------------------------
# A change the running API must pick up is recorded as pending api-refresh; the build then starts
# the live release on the idle slot, switches and drains (no request fails), and clears it.
if [[ -e $PENDING_DIR/api-refresh ]]; then
    log "the API needs a restart for this change: pending api-refresh (the build does it through the slot switch)"
fi
if [[ $(readlink -f "$CURRENT" 2>/dev/null) == "$PLACEHOLDER" ]]; then
    # through the site as a client sees it: HTTPS (certificate checked) when there is a domain
    health_url=http://127.0.0.1:$http_port/api/health
    health_opts=()
    if [[ -n $domain ]]; then
        health_url=https://$domain:$https_port/api/health
        health_opts=(--resolve "$domain:$https_port:127.0.0.1")
        if [[ -n $acme_root ]]; then health_opts+=(--cacert "$ACME_ROOT_FILE"); fi
    fi
    ok=0
    for _ in $(seq 1 40); do
        if curl -fs -o /dev/null --max-time 2 "${health_opts[@]}" "$health_url"; then ok=1; break; fi
        sleep 0.5
    done
    (( ok )) || { tail -n 20 "$API_LOG" >&2 || true; die "placeholder /api/health did not answer through nginx at $health_url"; }
    log "placeholder release is serving: /api/health ok through nginx at $health_url"
else
    log "current -> $(readlink "$CURRENT"): release health is the Activate/Smoke steps' job"
fi

# ---- 10. CloudWatch agent (production only) ---------------------------------------------------
if [[ $cloudwatch == off ]]; then
    log "CloudWatch agent skipped (--cloudwatch off)"
else
    # not in Debian's archive: the instance's user data installs AWS's .deb, a pinned version checked
    # against its pinned SHA-256 (terraform/modules/compute); nothing is downloaded unchecked here
    pkg_installed amazon-cloudwatch-agent \
        || die "the CloudWatch agent is not installed: the instance's user data installs it (a pinned version, SHA-256 checked; see cloud-init's log, /var/log/cloud-init-output.log)"
    install_content "$CW_CONFIG" 0644 root root "CloudWatch agent config" <"$here/cloudwatch/amazon-cloudwatch-agent.json"
    cw_status=$("$CW_CTL" -a status 2>/dev/null | tr -d ' \n' || true)
    if (( LAST_CHANGED )) || [[ $cw_status != *'"status":"running"'* ]]; then
        "$CW_CTL" -a fetch-config -m ec2 -s -c "file:$CW_CONFIG"
        changed "CloudWatch agent configured and (re)started"
    fi
fi

# ---- done ----------------------------------------------------------------------------------------
if [[ -n $stamp ]]; then
    install -d -m 0700 -o root -g root "$DEPLOY_STATE_DIR"
    # What this run installed, as sha256sum -c reads it: the probe tells a file changed since.
    installed_files=("$UNIT_FILE" "$SITE_FILE" "$LOGROTATE_FILE" "$CONF_DIR/server.conf" "$PLACEHOLDER/app/main.py")
    if [[ -n $db_ca$db_ca_url ]]; then installed_files+=("$DB_CA_FILE"); fi
    if [[ $cloudwatch == on ]]; then installed_files+=("$CW_CONFIG"); fi
    sha256sum "${installed_files[@]}" >"$BOOTSTRAP_FILES.tmp"
    mv -f "$BOOTSTRAP_FILES.tmp" "$BOOTSTRAP_FILES"
    printf '%s\n' "$stamp" >"$BOOTSTRAP_STAMP.tmp"
    mv -f "$BOOTSTRAP_STAMP.tmp" "$BOOTSTRAP_STAMP"
fi
if (( ${#changes[@]} == 0 )); then log "no changes"; else log "${#changes[@]} changes"; fi
