# shellcheck shell=bash
# What the server scripts share (bootstrap.sh, slot.sh, lint.sh, site-template.sh): sourced,
# defines functions and changes nothing. It travels in the deploy-scripts bundle (server/).
#
# The sourcing script may set, before or after sourcing:
#   SCRIPT_NAME  the prefix of its log lines and the "script" of its result line (default: $0's name)
#   stop_at      the --stop-at point a test asked for (stop_point)
#   PENDING_DIR  where pending actions are recorded (the server map)

# sourced once (site-template.sh sources it too)
[[ -z ${SCRIPT_LIB_SOURCED:-} ]] || return 0
SCRIPT_LIB_SOURCED=1

# load_server_map DIR: the server map (paths, unit, user) the build renders from
# build/Server/ServerMap.cs and uploads beside the scripts as server-map.env
load_server_map() {
    [[ -r $1/server-map.env ]] || die "$1/server-map.env is missing: the build uploads it with the scripts (--target=Bootstrap)"
    # shellcheck source=/dev/null
    . "$1/server-map.env"
}

# ---- logging ------------------------------------------------------------------------------------
script_name() { printf '%s' "${SCRIPT_NAME:-$(basename "$0" .sh)}"; }
log() { printf '%s: %s\n' "$(script_name)" "$*"; }
# the last error, for the result line
RESULT_ERROR=''
die() { RESULT_ERROR=$*; printf '%s: error: %s\n' "$(script_name)" "$*" >&2; exit 1; }

# ---- the result line: the one line the build reads --------------------------------------------
# Every script ends with one line "tableorder-result: {JSON}" on stdout (an EXIT trap prints it,
# so a failure ends with one too): "script", "ok" (exit 0), "exit", "error" (the last die) and
# the script's own fields. The build parses it as JSON (build/Remote/ScriptResult.cs); nothing
# else of the output is read.
readonly RESULT_PREFIX='tableorder-result: '

json_string() { # json_string TEXT -> stdout: TEXT as a JSON string
    local s=$1 out='' c i code
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    if [[ $s != *[[:cntrl:]]* ]]; then printf '"%s"' "$s"; return 0; fi
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        printf -v code '%d' "'$c" 2>/dev/null || code=32
        if (( code >= 0 && code < 32 )); then printf -v c '\\u%04x' "$code"; fi
        out+=$c
    done
    printf '"%s"' "$out"
}

json_strings() { # json_strings TEXT... -> stdout: a JSON array of strings
    local item sep='' out='['
    for item in "$@"; do out+=$sep$(json_string "$item"); sep=,; done
    printf '%s]' "$out"
}

# the script's own fields of its result line: result_field KEY JSON-VALUE (the last one of a key wins)
declare -A RESULT_FIELDS=()
result_field() { RESULT_FIELDS[$1]=$2; }

# result_line EXIT -> stdout: the result line (the script's EXIT trap calls it)
result_line() {
    local rc=$1 ok=false fields key
    (( rc == 0 )) && ok=true
    fields="\"script\":$(json_string "$(script_name)"),\"ok\":$ok,\"exit\":$rc"
    if [[ -n $RESULT_ERROR ]]; then fields+=",\"error\":$(json_string "$RESULT_ERROR")"; fi
    while IFS= read -r key; do
        [[ -n $key ]] && fields+=",$(json_string "$key"):${RESULT_FIELDS[$key]}"
    done < <(printf '%s\n' "${!RESULT_FIELDS[@]}" | sort)
    printf '%s{%s}\n' "$RESULT_PREFIX" "$fields"
}

# ---- stop-at points (tests only) --------------------------------------------------------------
# A crash at a named point: --stop-at NAME exits right there, as a crash would; --stop-at
# pause:NAME waits there instead, for the tests that interrupt the build inside the step.
stop_point() {
    if [[ ${stop_at:-} == "$1" ]]; then
        log "stopping at '$1' (--stop-at)"
        exit 99
    fi
    if [[ ${stop_at:-} == "pause:$1" ]]; then
        log "pausing at '$1' (--stop-at)"
        sleep 600
    fi
}

# ---- pending actions: recorded before a change, cleared after it succeeded --------------------
pending() { [[ -e $PENDING_DIR/$1 ]]; }
mark_pending() { # mark_pending NAME [VALUE]  (temp name, then rename)
    install -d -m 0755 "$PENDING_DIR"
    printf '%s\n' "${2:-}" >"$PENDING_DIR/$1.tmp"
    mv -f "$PENDING_DIR/$1.tmp" "$PENDING_DIR/$1"
}
clear_pending() { rm -f "$PENDING_DIR/$1"; }

# ---- arguments ----------------------------------------------------------------------------------
valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && (( 10#$1 >= 1 && 10#$1 <= 65535 )); }

# ---- templates: @KEY@ filled in -------------------------------------------------------------------
render_text() { # render_text TEXT KEY=VALUE... -> stdout
    local content=$1 kv
    shift
    shopt -u patsub_replacement 2>/dev/null || true   # bash 5.2: '&' in ${x//a/b} stays literal
    for kv in "$@"; do content=${content//@${kv%%=*}@/${kv#*=}}; done
    printf '%s' "$content"
}

render() { # render TEMPLATE KEY=VALUE... -> stdout
    local template=$1 content
    shift
    content=$(cat "$template"; echo x)
    render_text "${content%x}" "$@"
}
