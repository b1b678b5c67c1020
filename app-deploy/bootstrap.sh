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
#   sudo bash bootstrap.sh --http-port N --api-port N \
#        [--python-deps distro|pip] [--cloudwatch on|off]
#
# Idempotent: every file is compared before it is written, every service is reloaded or
# restarted only when something it uses changed. Each change prints "changed: <what>".
# The LAST line of output is always "bootstrap: N changes" or "bootstrap: no changes"
# (or "bootstrap: FAILED ..." with a non-zero exit), which the build parses.
set -euo pipefail
umask 022
shopt -u patsub_replacement 2>/dev/null || true   # bash 5.2: '&' in ${x//a/b} stays literal

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
# The server map (paths, unit, user), rendered by the build from build/Server/ServerMap.cs and
# uploaded beside this script: no path of the map is written here.
[[ -r $here/server-map.env ]] || { echo "bootstrap: error: $here/server-map.env is missing: the build uploads it with the scripts (--target=Bootstrap)" >&2; exit 1; }
# shellcheck source=/dev/null
. "$here/server-map.env"
# the map's values for the templates (@APP_USER@, @CURRENT@, ...)
readonly MAP_VALUES=("APP_USER=$APP_USER" "BASE=$BASE" "CURRENT=$CURRENT" "VENV=$VENV" "ENV_FILE=$ENV_FILE" "API_LOG=$API_LOG" "LOG_DIR=$LOG_DIR")
readonly CW_CONFIG=/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
readonly CW_CTL=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
readonly WAIT_SECONDS=600

changes=0
finished=0
created_policy_rc_d=0

log() { printf 'bootstrap: %s\n' "$*"; }
changed() { changes=$((changes + 1)); printf 'changed: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

on_exit() {
    local rc=$?
    if (( created_policy_rc_d )); then rm -f /usr/sbin/policy-rc.d; fi
    if (( rc != 0 && ! finished )); then
        # still the last line, so the build can tell what happened
        printf 'bootstrap: FAILED (exit %d) after %d changes\n' "$rc" "$changes"
    fi
}
trap on_exit EXIT

usage() {
    cat >&2 <<'EOF'
usage: sudo bash bootstrap.sh --http-port N --api-port N
                              [--python-deps distro|pip] [--cloudwatch on|off]
  --http-port     port Nginx serves the UIs and /api/ on (production 80, local 8080)
  --api-port      loopback port of the FastAPI service (production 8000, local 18000)
  --python-deps   both: Debian's python3-* packages (FastAPI, uvicorn, SQLAlchemy, Alembic,
                  psycopg2, redis) and a venv with --system-site-packages over them
                  distro: that is all (default)
                  pip:    the release also runs pip install -r requirements.txt in the
                          venv, which only fetches what the app adds beyond Debian's
                          packages (needs PyPI for those)
  --cloudwatch    install and configure the CloudWatch agent (default: off). The build
                  decides: on where there is AWS (production), off locally
example: sudo bash bootstrap.sh --http-port 8080 --api-port 18000 --python-deps distro --cloudwatch off
EOF
    exit 2
}

# ---- arguments: all validated before the first side effect ----------------------------
http_port='' api_port='' python_deps='' cloudwatch=''
while (( $# )); do
    case $1 in
        --http-port|--api-port|--python-deps|--cloudwatch)
            (( $# >= 2 )) || { echo "bootstrap: error: $1 needs a value" >&2; usage; }
            case $1 in
                --http-port) http_port=$2 ;;
                --api-port) api_port=$2 ;;
                --python-deps) python_deps=$2 ;;
                --cloudwatch) cloudwatch=$2 ;;
            esac
            shift 2 ;;
        --http-port=*) http_port=${1#*=}; shift ;;
        --api-port=*) api_port=${1#*=}; shift ;;
        --python-deps=*) python_deps=${1#*=}; shift ;;
        --cloudwatch=*) cloudwatch=${1#*=}; shift ;;
        -h|--help) usage ;;
        *) echo "bootstrap: error: unknown argument '$1'" >&2; usage ;;
    esac
done

valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && (( 10#$1 >= 1 && 10#$1 <= 65535 )); }
valid_port "$http_port" || die "--http-port must be a port number 1-65535, got '$http_port' (e.g. --http-port 80)"
valid_port "$api_port" || die "--api-port must be a port number 1-65535, got '$api_port' (e.g. --api-port 8000)"
http_port=$((10#$http_port)) api_port=$((10#$api_port))
(( http_port != api_port )) || die "--http-port and --api-port must differ (both are $http_port)"
[[ -n $python_deps ]] || python_deps=distro
[[ $python_deps == distro || $python_deps == pip ]] \
    || die "--python-deps must be 'distro' or 'pip', got '$python_deps'"
[[ -n $cloudwatch ]] || cloudwatch=off
[[ $cloudwatch == on || $cloudwatch == off ]] || die "--cloudwatch must be 'on' or 'off', got '$cloudwatch'"
[[ $(id -u) -eq 0 ]] || die "must run as root: sudo bash $0 ..."
for f in server/tableorder-api.service.in server/nginx-site.conf.in server/logrotate-tableorder \
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
log "http-port=$http_port api-port=$api_port python-deps=$python_deps cloudwatch=$cloudwatch system=$os_name"

# ---- helpers ------------------------------------------------------------------------------
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
    install -D -m "$mode" -o "$owner" -g "$group" "$tmp" "$dest"
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

render() { # render TEMPLATE KEY=VALUE... -> stdout
    local template=$1 content kv
    shift
    content=$(cat "$template"; echo x)
    content=${content%x}
    for kv in "$@"; do
        content=${content//@${kv%%=*}@/${kv#*=}}
    done
    printf '%s' "$content"
}

wait_for_cloud_init() {
    if command -v cloud-init >/dev/null; then
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

# ---- 1. wait until the machine is ours ------------------------------------------------------
wait_for_cloud_init
wait_for_package_manager

# ---- 2. packages -------------------------------------------------------------------------------
# Python: Debian's own packages first, always (python3.13, FastAPI, uvicorn, SQLAlchemy 2.0,
# Alembic, psycopg2, redis-py); with --python-deps pip the release adds only what its
# requirements.txt asks for beyond them.
readonly PYTHON_PKGS=(python3 python3-venv python3-fastapi python3-uvicorn python3-alembic
    python3-sqlalchemy python3-psycopg2 python3-redis)
python=/usr/bin/python3
apt_pkgs=(ca-certificates curl logrotate procps nginx "${PYTHON_PKGS[@]}")
# production: the build writes the env file from the RDS secret with the AWS CLI on the server
# the AWS CLI reads the database secret on the server where there is AWS (the CloudWatch agent marks it)
if [[ $cloudwatch == on ]] && ! command -v aws >/dev/null; then apt_pkgs+=(awscli); fi
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

# ---- 3. user and folders ---------------------------------------------------------------------
if ! getent passwd "$APP_USER" >/dev/null; then
    nologin=$(command -v nologin || echo /usr/sbin/nologin)
    useradd --system --user-group --home-dir "$BASE" --no-create-home --shell "$nologin" \
        --comment "TableOrder API" "$APP_USER"
    changed "system user $APP_USER"
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
API_PORT=$api_port
PYTHON_DEPS=$python_deps
PYTHON=$python
EOF

# ---- 4. Python venv ---------------------------------------------------------------------------
# One shape for both --python-deps modes: --system-site-packages over Debian's packages (pip
# in the venv then sees them as installed and only adds what a release needs beyond them).
api_restart=0
want_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv_ok=0
if [[ -x $VENV/bin/python && -f $VENV/pyvenv.cfg ]] \
    && grep -qx "include-system-site-packages = true" "$VENV/pyvenv.cfg" \
    && [[ $("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) == "$want_version" ]]; then
    venv_ok=1
fi
if (( ! venv_ok )); then
    [[ ! -e $VENV ]] || rm -rf --one-file-system "$VENV"
    "$python" -m venv --system-site-packages "$VENV"
    changed "venv $VENV (python $want_version, system site packages)"
    api_restart=1
fi
if ! "$VENV/bin/python" -c 'import fastapi, uvicorn, sqlalchemy, alembic, psycopg2, redis' 2>/dev/null; then
    die "Debian's python3-* packages are installed but not importable from $VENV: $("$VENV/bin/python" -c 'import fastapi, uvicorn, sqlalchemy, alembic, psycopg2, redis' 2>&1 | tail -n 1)"
fi
if [[ $python_deps == pip ]] && ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    die "--python-deps pip: $VENV has no pip (python3-venv should have put it there); rerun, or remove $VENV"
fi

# ---- 5. placeholder release, current -> placeholder only if there is no current ------------
install_content "$PLACEHOLDER/app/__init__.py" 0644 root root "placeholder app" <"$here/server/placeholder/app/__init__.py"
placeholder_changed=$LAST_CHANGED
install_content "$PLACEHOLDER/app/main.py" 0644 root root "placeholder app" <"$here/server/placeholder/app/main.py"
(( LAST_CHANGED )) && placeholder_changed=1
for ui in customer:Customer admin:Admin superadmin:SuperAdmin; do
    install_content "$PLACEHOLDER/ui/${ui%%:*}/index.html" 0644 root root "placeholder ${ui#*:} UI" \
        < <(render "$here/server/placeholder/ui/index.html.in" "UI_TITLE=${ui#*:}")
done
find "$PLACEHOLDER" -type d ! -perm 0755 -exec chmod 0755 {} +
if [[ ! -e $CURRENT && ! -L $CURRENT ]]; then
    ln -s "$PLACEHOLDER" "$CURRENT"
    changed "$CURRENT -> $PLACEHOLDER (no release yet)"
    api_restart=1
elif [[ ! -e $CURRENT ]]; then
    log "warning: $CURRENT is a dangling link ($(readlink "$CURRENT")): left alone, the release step owns it"
fi
current_is_placeholder=0
[[ $(readlink -f "$CURRENT" 2>/dev/null) == "$PLACEHOLDER" ]] && current_is_placeholder=1
(( placeholder_changed && current_is_placeholder )) && api_restart=1

# ---- 6. systemd unit -----------------------------------------------------------------------
install_content "$UNIT_FILE" 0644 root root "systemd unit $UNIT" \
    < <(render "$here/server/tableorder-api.service.in" "API_PORT=$api_port" "${MAP_VALUES[@]}")
if (( LAST_CHANGED )); then
    systemctl daemon-reload
    api_restart=1
fi
if [[ $(systemctl is-enabled "$UNIT" 2>/dev/null || true) != enabled ]]; then
    systemctl enable --quiet "$UNIT"
    changed "enabled $UNIT"
fi

# ---- 7. Nginx site --------------------------------------------------------------------------
nginx_reload=0
nginx_log_dir=/var/log/nginx
install_content "$SITE_FILE" 0644 root root "nginx site" \
    < <(render "$here/server/nginx-site.conf.in" "HTTP_PORT=$http_port" "API_PORT=$api_port" \
        "CURRENT=$CURRENT" "NGINX_LOG_DIR=$nginx_log_dir")
(( LAST_CHANGED )) && nginx_reload=1
# the distribution's default sites would also claim a port (80); this server has one site
for default_site in /etc/nginx/sites-enabled/default /etc/nginx/conf.d/default.conf; do
    if [[ -e $default_site || -L $default_site ]]; then
        rm -f "$default_site"
        changed "removed nginx default site $default_site"
        nginx_reload=1
    fi
done
if ! nginx_test=$(nginx -t 2>&1); then
    printf '%s\n' "$nginx_test" >&2
    die "nginx -t failed (see above): the running nginx was not touched"
fi
if [[ $(systemctl is-enabled nginx.service 2>/dev/null || true) != enabled ]]; then
    systemctl enable --quiet nginx.service
    changed "enabled nginx.service"
fi
if ! systemctl is-active --quiet nginx.service; then
    systemctl start nginx.service
    changed "started nginx.service"
elif (( nginx_reload )); then
    systemctl reload nginx.service
    changed "reloaded nginx.service"
fi

# ---- 8. logrotate -----------------------------------------------------------------------------
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

# ---- 9. the API service -----------------------------------------------------------------------
if ! systemctl is-active --quiet "$UNIT"; then
    systemctl start "$UNIT"
    changed "started $UNIT"
elif (( api_restart )); then
    systemctl restart "$UNIT"
    changed "restarted $UNIT"
fi
if (( current_is_placeholder )); then
    # prove the placeholder answers, directly and through nginx
    ok=0
    for _ in $(seq 1 40); do
        if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$api_port/api/health" \
            && curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/api/health"; then
            ok=1; break
        fi
        sleep 0.5
    done
    (( ok )) || { tail -n 20 "$API_LOG" >&2 || true; die "placeholder /api/health did not answer on :$api_port and :$http_port"; }
    log "placeholder release is serving: /api/health ok on :$api_port and through nginx on :$http_port"
else
    log "current -> $(readlink "$CURRENT"): release health is the Activate/Smoke steps' job"
fi

# ---- 10. CloudWatch agent (production only) ---------------------------------------------------
if [[ $cloudwatch == off ]]; then
    log "CloudWatch agent skipped (--cloudwatch off)"
else
    if ! pkg_installed amazon-cloudwatch-agent; then
        # not in Debian's archive: AWS's own .deb (the Debian 13 AMI's user data may have
        # installed it already)
        case $(dpkg --print-architecture) in
            amd64) cw_arch=amd64 ;;
            arm64) cw_arch=arm64 ;;
            *) die "no CloudWatch agent .deb for $(dpkg --print-architecture)" ;;
        esac
        cw_deb=$(mktemp --suffix=.deb)
        curl -fsSL --retry 3 -o "$cw_deb" \
            "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/$cw_arch/latest/amazon-cloudwatch-agent.deb"
        wait_for_package_manager
        dpkg -i "$cw_deb"
        rm -f "$cw_deb"
        changed "packages installed: amazon-cloudwatch-agent (.deb from S3)"
    fi
    install_content "$CW_CONFIG" 0644 root root "CloudWatch agent config" <"$here/cloudwatch/amazon-cloudwatch-agent.json"
    cw_status=$("$CW_CTL" -a status 2>/dev/null | tr -d ' \n' || true)
    if (( LAST_CHANGED )) || [[ $cw_status != *'"status":"running"'* ]]; then
        "$CW_CTL" -a fetch-config -m ec2 -s -c "file:$CW_CONFIG"
        changed "CloudWatch agent configured and (re)started"
    fi
fi

# ---- done ----------------------------------------------------------------------------------------
finished=1
if (( changes == 0 )); then
    echo "bootstrap: no changes"
else
    echo "bootstrap: $changes changes"
fi
