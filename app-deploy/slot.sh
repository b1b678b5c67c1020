#!/usr/bin/env bash
# shellcheck disable=SC2153,SC2154  # the server map's variables come from server-map.env (sourced below)
# Releases and the two API slots (blue, green) on one server, crash-safe. Runs as root from the
# uploaded copy of app-deploy/ (the build calls it; a person can too):
#
#   sudo bash slot.sh prepare RELEASE [--python-deps distro|lock]
#       build the release's own venv as the build user (Debian's packages first; with lock, what
#       the release adds beyond them from its hash lock only) and check its requirements are
#       met; root owns the venv then; mark it complete only when all of that succeeded
#   sudo bash slot.sh start SLOT RELEASE --port N [--timeout S]
#       point SLOT at the (complete) release, (re)start tableorder-api@SLOT on 127.0.0.1:N and
#       wait until its /api/health answers for that release, directly on the slot's port
#   sudo bash slot.sh switch SLOT --port N
#       make SLOT live: Nginx's upstream and UI root change together in one file (temp name,
#       rename, nginx -t, graceful reload); current/previous follow
#   sudo bash slot.sh stop SLOT          drain and stop a slot that is not live
#   sudo bash slot.sh maintenance on|off [--retry-after S]
#       while the database is restored: writes to the API answer 503 with Retry-After S (60);
#       requests with the build's pass ($MAINTENANCE_PASS, written by the build) go through.
#       One file, switched like the live slot (temp name, rename, nginx -t, graceful reload)
#   sudo bash slot.sh resume             finish what a killed run left pending
#   sudo bash slot.sh state              print the live slot and each slot's release
#   sudo bash slot.sh clear api-refresh  the build restarted the API through the switch: done
#
# Pending actions are recorded in $PENDING_DIR before a change and cleared after it
# succeeded, so the next run (any command runs `resume` first) finishes them.
# --stop-at NAME (tests only) exits right after the named point, as a crash there would;
# --stop-at pause:NAME waits there instead, for a test that interrupts the build inside the step.
# Every command ends with one result line, "tableorder-result: {JSON}" (server/script-lib.sh):
# "ok", "exit", "error", "command" and what the command did; the build reads that line only.
set -euo pipefail
umask 022
shopt -u patsub_replacement 2>/dev/null || true

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here SCRIPT_NAME=slot
# shellcheck source=SCRIPTDIR/server/script-lib.sh
. "$here/server/script-lib.sh"
load_server_map "$here"

command='' resumed=()
# the result line says which command ran, what resume finished, and what the command did
finish() {
    local rc=$?
    result_field command "$(json_string "$command")"
    result_field resumed "$(json_strings "${resumed[@]}")"
    result_line "$rc"
}
trap finish EXIT

usage() {
    sed -n '4,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---- arguments ------------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
command=$1
shift
positional=() port='' timeout=60 python_deps=distro stop_at='' retry_after=60
while (( $# )); do
    case $1 in
        --port) port=${2:-}; shift 2 ;;
        --retry-after) retry_after=${2:-}; shift 2 ;;
        --timeout) timeout=${2:-}; shift 2 ;;
        --python-deps) python_deps=${2:-}; shift 2 ;;
        --stop-at) stop_at=${2:-}; shift 2 ;;
        -h|--help) usage ;;
        --*) die "unknown option '$1'" ;;
        *) positional+=("$1"); shift ;;
    esac
done
valid_slot() { [[ $1 == blue || $1 == green ]]; }
valid_release() { [[ $1 =~ ^[a-z0-9]{1,64}$ ]]; }
[[ $(id -u) -eq 0 ]] || die "must run as root: sudo bash $0 $command ..."
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout must be seconds, got '$timeout'"
[[ $retry_after =~ ^[0-9]{1,5}$ ]] || die "--retry-after must be seconds, got '$retry_after'"
[[ $python_deps == distro || $python_deps == lock ]] || die "--python-deps must be distro or lock, got '$python_deps'"

slot_release() { # the release a slot points at, or nothing
    local target
    target=$(readlink "$SLOTS/$1" 2>/dev/null) || return 0
    printf '%s' "${target##*/}"
}

live_slot() { if [[ -f $LIVE_SLOT_FILE ]]; then cat "$LIVE_SLOT_FILE"; fi; }

other_slot() { if [[ $1 == blue ]]; then echo green; else echo blue; fi; }

atomic_link() { # atomic_link TARGET LINK
    ln -sfn "$1" "$2.new"
    mv -T "$2.new" "$2"
}

# ---- resume: finish what a killed run started -------------------------------------------------
resume() {
    if pending daemon-reload; then
        systemctl daemon-reload
        clear_pending daemon-reload
        resumed+=(daemon-reload)
        log "resumed: systemd daemon-reload"
    fi
    if pending switch; then
        local slot port
        read -r slot port <"$PENDING_DIR/switch"
        log "resuming the switch to $slot"
        do_switch "$slot" "$port"
        resumed+=(switch)
    fi
    if pending nginx-reload; then
        # a stopped nginx reads its config when it starts: only a running one needs the reload
        if systemctl is-active --quiet nginx.service; then
            nginx -t -q || die "nginx -t fails; the pending reload stays recorded: fix the config and run again"
            systemctl reload nginx.service
            log "resumed: nginx reload"
        fi
        clear_pending nginx-reload
        resumed+=(nginx-reload)
    fi
}

# ---- prepare: a release's own environment --------------------------------------------------------
# pip and the venv run as the build user: never root, never the app user (a release's packages
# cannot touch the server, and the app cannot change its own code). pip reads no cache and no
# home; a package index is pip's own setting (PIP_INDEX_URL, /etc/pip.conf).
as_builder() { runuser -u "$BUILD_USER" -- env HOME=/nonexistent PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"; }

# missing VENV REQUIREMENTS: nothing when Debian's packages (and what the venv has) meet every
# requirement; else pip's first complaint. Installs nothing, asks no index.
missing() {
    local out first
    out=$(as_builder "$1/bin/python" -m pip install --dry-run --no-index -q -r "$2" 2>&1) && return 0
    first=$(grep -m1 '^ERROR: ' <<<"$out" | sed 's/^ERROR: //')
    printf '%s\n' "${first:-$(tail -n 1 <<<"$out")}"
    return 1
}

requirements() { # requirements RELEASE DIR VENV
    local release=$1 dir=$2 venv=$3 lack lock=$2/$REQUIREMENTS_LOCK
    if lack=$(missing "$venv" "$dir/requirements.txt"); then
        log "release $release: Debian's packages meet requirements.txt"
        return 0
    fi
    [[ $python_deps == lock ]] \
        || die "release $release: its requirements are not met by Debian's packages ($lack); --python-deps distro installs nothing from an index. It is not marked complete and will never go live"
    [[ -f $lock ]] \
        || die "release $release needs Python packages beyond Debian's ($lack) and has no $REQUIREMENTS_LOCK: they are installed from a lock with hashes only. Make one beside requirements.txt (pip-compile --generate-hashes --output-file=$REQUIREMENTS_LOCK requirements.txt, or name==version --hash=sha256:... lines from pip hash), add it to the app and deploy again"
    log "release $release: installing $REQUIREMENTS_LOCK (pip --require-hashes --no-deps, as $BUILD_USER)"
    as_builder "$venv/bin/python" -m pip install --require-hashes --no-deps -r "$lock" \
        || die "release $release: pip could not install $REQUIREMENTS_LOCK (see above; a hash that does not match is refused). It is not marked complete and will never go live"
    if ! lack=$(missing "$venv" "$dir/requirements.txt"); then
        die "release $release: $REQUIREMENTS_LOCK does not cover requirements.txt ($lack): make the lock again from requirements.txt"
    fi
}

prepare() {
    local release=$1 dir=$RELEASES/$1 venv
    valid_release "$release" || die "'$release' is not a release id"
    result_field release "$(json_string "$release")"
    [[ -f $dir/RELEASE_ID ]] || die "release $release is not on this server (unpack it first)"
    if [[ -f $dir/$RELEASE_COMPLETE ]]; then
        result_field prepared false
        log "release $release is complete"
        return 0
    fi
    getent passwd "$BUILD_USER" >/dev/null || die "user $BUILD_USER is missing: run bootstrap.sh (--target=Bootstrap) first"
    venv=$dir/$RELEASE_VENV
    rm -rf --one-file-system "$venv"
    install -d -m 0755 -o "$BUILD_USER" -g "$BUILD_USER" "$venv"
    # Debian's python3-* packages first (system site packages); pip only adds what they lack.
    as_builder /usr/bin/python3 -m venv --system-site-packages "$venv"
    stop_point after-venv
    if [[ -f $dir/requirements.txt ]]; then
        requirements "$release" "$dir" "$venv"
    fi
    stop_point after-requirements
    # complete: nobody but root changes it from now on
    chown -R root:root "$venv"
    printf '%s\n' "$(date -u +%FT%TZ)" >"$dir/$RELEASE_COMPLETE.tmp"
    mv -f "$dir/$RELEASE_COMPLETE.tmp" "$dir/$RELEASE_COMPLETE"
    result_field prepared true
    log "release $release is complete (venv $venv)"
}

# ---- start: the release on a slot, health-checked on the slot's own port -------------------------
health() { # health PORT RELEASE TIMEOUT -> 0 when /api/health answers for RELEASE
    local port=$1 release=$2 deadline=$((SECONDS + $3)) body
    while :; do
        if body=$(curl -fs --max-time 3 "http://127.0.0.1:$port/api/health" 2>/dev/null); then
            if [[ $release == placeholder ]] || grep -Eq "\"release\": ?\"$release\"" <<<"$body"; then
                return 0
            fi
        fi
        (( SECONDS < deadline )) || { log "unhealthy on :$port after $3s: ${body:-no answer}"; return 1; }
        sleep 0.3
    done
}

start() {
    local slot=$1 release=$2 unit
    valid_slot "$slot" || die "slot must be blue or green, got '$slot'"
    valid_release "$release" || die "'$release' is not a release id"
    valid_port "$port" || die "--port N is required: the slot's loopback port"
    [[ -f $RELEASES/$release/$RELEASE_COMPLETE ]] || die "release $release is not complete (prepare it first): a half-made release never goes live"
    [[ $(live_slot) != "$slot" ]] || die "slot $slot is live: start the release on the other slot, then switch"
    unit=tableorder-api@$slot.service
    install -d -m 0755 "$SLOTS"
    atomic_link "$RELEASES/$release" "$SLOTS/$slot"
    printf 'PORT=%s\n' "$((10#$port))" >"$CONF_DIR/slot-$slot.env.tmp"
    mv -f "$CONF_DIR/slot-$slot.env.tmp" "$CONF_DIR/slot-$slot.env"
    stop_point after-slot-link
    systemctl restart "$unit"
    if ! health "$port" "$release" "$timeout"; then
        journalctl -u "$unit" -n 30 --no-pager -o cat >&2 || true
        tail -n 30 "$API_LOG" >&2 || true
        systemctl stop "$unit" || true
        die "release $release did not become healthy on slot $slot (:$port); the live slot was not touched"
    fi
    result_field slot "$(json_string "$slot")"
    result_field release "$(json_string "$release")"
    result_field port "$((10#$port))"
    log "slot $slot runs release $release, healthy on :$port"
}

# ---- switch: Nginx's upstream and UI root, one file ---------------------------------------------
do_switch() {
    local slot=$1 slot_port=$2 release old_live tmp=$LIVE_CONF.tmp
    release=$(slot_release "$slot")
    [[ -n $release ]] || die "slot $slot runs no release"
    old_live=$(live_slot)
    mark_pending switch "$slot $slot_port"
    install -d -m 0755 "$(dirname "$LIVE_CONF")"
    render "$here/server/nginx-live.conf.in" "API_PORT=$((10#$slot_port))" "UI_ROOT=$SLOTS/$slot/ui" "SLOT=$slot" "RELEASE=$release" >"$tmp"
    stop_point after-live-write
    [[ -f $LIVE_CONF ]] && cp -p "$LIVE_CONF" "$LIVE_CONF.prev"
    mv -f "$tmp" "$LIVE_CONF"
    local check
    if ! check=$(nginx -t -q 2>&1); then
        if [[ -f $LIVE_CONF.prev ]]; then mv -f "$LIVE_CONF.prev" "$LIVE_CONF"; else rm -f "$LIVE_CONF"; fi
        clear_pending switch
        die "nginx -t failed with the switch to $slot; the previous file is back and nothing was reloaded: $(tr '\n' ' ' <<<"$check")"
    fi
    stop_point after-live-rename
    # A graceful reload: old workers finish their requests; new ones go to the new slot.
    if systemctl is-active --quiet nginx.service; then systemctl reload nginx.service; else systemctl start nginx.service; fi
    stop_point after-reload
    if [[ -n $old_live && $old_live != "$slot" && -n $(slot_release "$old_live") ]]; then
        atomic_link "$RELEASES/$(slot_release "$old_live")" "$PREVIOUS"
    fi
    atomic_link "$RELEASES/$release" "$CURRENT"
    printf '%s\n' "$slot" >"$LIVE_SLOT_FILE.tmp"
    mv -f "$LIVE_SLOT_FILE.tmp" "$LIVE_SLOT_FILE"
    # the live slot comes back after a reboot; the other does not
    systemctl enable --quiet "tableorder-api@$slot.service"
    systemctl disable --quiet "tableorder-api@$(other_slot "$slot").service" 2>/dev/null || true
    clear_pending switch
    result_field live "$(json_string "$slot")"
    result_field release "$(json_string "$release")"
    log "switched: slot $slot (release $release) is live"
}

switch() {
    local slot=$1
    valid_slot "$slot" || die "slot must be blue or green, got '$slot'"
    valid_port "$port" || die "--port N is required: the slot's loopback port"
    do_switch "$slot" "$port"
}

# ---- stop: drain a slot that is not live ------------------------------------------------------------
stop() {
    local slot=$1
    valid_slot "$slot" || die "slot must be blue or green, got '$slot'"
    [[ $(live_slot) != "$slot" ]] || die "slot $slot is live: switch to the other slot first"
    # Nginx's old workers finish the requests they hold; then SIGTERM: uvicorn finishes in-flight
    # requests and the app ends its SSE streams with a retry hint, so clients reconnect to the live slot.
    sleep 1
    systemctl stop "tableorder-api@$slot.service"
    result_field stopped "$(json_string "$slot")"
    log "slot $slot stopped"
}

# ---- maintenance: writes to the API wait while the database is restored ---------------------------
# write_maintenance on|off: the file (temp name, rename); nginx -t and the reload follow
write_maintenance() {
    local mode=$1 on=0 pass=off tmp=$MAINTENANCE_CONF.tmp
    if [[ $mode == on ]]; then
        on=1
        pass=$(tr -dc 'a-f0-9' <"$MAINTENANCE_PASS" 2>/dev/null || true)
        (( ${#pass} >= 32 )) || die "maintenance on needs the build's pass in $MAINTENANCE_PASS (32+ hex characters)"
    fi
    install -d -m 0755 "$(dirname "$MAINTENANCE_CONF")"
    ( umask 077; render "$here/server/nginx-maintenance.conf.in" "STATE=$mode" "ON=$on" "PASS=$pass" "RETRY_AFTER=$((10#$retry_after))" >"$tmp" )
    [[ -f $MAINTENANCE_CONF ]] && cp -p "$MAINTENANCE_CONF" "$MAINTENANCE_CONF.prev"
    mv -f "$tmp" "$MAINTENANCE_CONF"
}

maintenance() {
    local mode=$1 check
    [[ $mode == on || $mode == off ]] || die "maintenance takes on or off, got '$mode'"
    mark_pending nginx-reload
    write_maintenance "$mode"
    stop_point after-maintenance-write
    if ! check=$(nginx -t -q 2>&1); then
        if [[ -f $MAINTENANCE_CONF.prev ]]; then mv -f "$MAINTENANCE_CONF.prev" "$MAINTENANCE_CONF"; fi
        clear_pending nginx-reload
        die "nginx -t failed with maintenance $mode; the previous file is back and nothing was reloaded: $(tr '\n' ' ' <<<"$check")"
    fi
    rm -f "$MAINTENANCE_CONF.prev"
    # a graceful reload: requests under way finish as they were
    if systemctl is-active --quiet nginx.service; then systemctl reload nginx.service; fi
    clear_pending nginx-reload
    [[ $mode == on ]] || rm -f "$MAINTENANCE_PASS"
    result_field maintenance "$(json_string "$mode")"
    log "maintenance $mode"
}

state() {
    local live
    live=$(live_slot)
    printf 'live=%s\n' "${live:-none}"
    result_field live "$(json_string "${live:-none}")"
    for slot in blue green; do
        printf '%s=%s %s\n' "$slot" "$(slot_release "$slot")" "$(systemctl is-active "tableorder-api@$slot.service" 2>/dev/null || true)"
    done
    printf 'pending=%s\n' "$(find "$PENDING_DIR" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
    printf 'maintenance=%s\n' "$(sed -n '1s/.*(maintenance \([a-z]*\)).*/\1/p' "$MAINTENANCE_CONF" 2>/dev/null)"
}

install -d -m 0755 "$STATE_DIR"
case $command in
    resume) resume ;;
    prepare) [[ ${#positional[@]} -eq 1 ]] || usage; resume; prepare "${positional[0]}" ;;
    start) [[ ${#positional[@]} -eq 2 ]] || usage; resume; start "${positional[0]}" "${positional[1]}" ;;
    switch) [[ ${#positional[@]} -eq 1 ]] || usage; resume; switch "${positional[0]}" ;;
    stop) [[ ${#positional[@]} -eq 1 ]] || usage; resume; stop "${positional[0]}" ;;
    state) state ;;
    clear) [[ ${positional[0]:-} == api-refresh ]] || usage; clear_pending api-refresh ;;
    maintenance) [[ ${#positional[@]} -eq 1 ]] || usage; resume; maintenance "${positional[0]}" ;;
    *) usage ;;
esac
