#!/usr/bin/env bash
# Build the root file system of the LOCAL app-server machine: a minimal Debian 13 (trixie),
# the system production runs (the official Debian 13 AMI), with systemd, sshd (key auth
# only), sudo and python3, booted later with systemd-nspawn (see README.md next to this
# file for the boot/stop commands). The host may be older (Debian 12): its mmdebstrap
# knows trixie, and trixie's systemd 257 boots in the host's systemd-nspawn.
#
#   make-rootfs.sh [--mirror URL] [--security-mirror URL] [--apt-cache DIR]
#                  <rootfs-dir> <login-user> <authorized-public-key-file> <ssh-port>
#
# The rootfs is built in <rootfs-dir>.tmp and renamed to <rootfs-dir> only when complete,
# so an interrupted run never leaves a half-made machine behind. The build caches the
# result keyed by a hash of THIS file and the mirrors: everything the machine needs is in here.
# Nginx, Python web packages etc. are NOT installed here: bootstrap.sh does that over SSH,
# exactly as on the EC2 server.
set -euo pipefail

readonly SUITE=trixie
readonly HOSTNAME_=tableorder-app
readonly INCLUDE=systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,sudo,ca-certificates,iproute2,procps,curl,python3,less
readonly STAMP=etc/tableorder-rootfs.stamp

log() { printf 'make-rootfs: %s\n' "$*"; }
die() { printf 'make-rootfs: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat >&2 <<'EOF2'
usage: make-rootfs.sh [--mirror URL] [--security-mirror URL] [--apt-cache DIR]
                      <rootfs-dir> <login-user> <authorized-public-key-file> <ssh-port>
  rootfs-dir                  where the machine's root file system goes (absolute path)
  login-user                  non-root login user with passwordless sudo (e.g. admin)
  authorized-public-key-file  OpenSSH public key allowed to log in as that user (e.g. key.pub)
  ssh-port                    port sshd listens on inside the machine (e.g. 2222)
  --mirror URL                Debian archive to build from and to put in the machine's apt
                              sources (default http://deb.debian.org/debian)
  --security-mirror URL       Debian security archive for the apt sources (default: the
                              mirror's URL with /debian-security for its last /debian)
  --apt-cache DIR             keep the downloaded packages in DIR (absolute) and use them
                              next time; the image itself keeps none
example: sudo make-rootfs.sh --mirror http://deb.debian.org/debian /var/lib/tableorder/rootfs admin ~/.ssh/tableorder.pub 2222
EOF2
    exit 2
}

mirror=http://deb.debian.org/debian security_mirror='' apt_cache=''
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
        --mirror|--security-mirror|--apt-cache)
            [[ $# -ge 2 ]] || usage
            case $1 in
                --mirror) mirror=$2 ;;
                --security-mirror) security_mirror=$2 ;;
                --apt-cache) apt_cache=$2 ;;
            esac
            shift 2 ;;
        *) usage ;;
    esac
done
[[ $# -eq 4 ]] || usage
rootfs=$1 login_user=$2 keyfile=$3 ssh_port=$4
mirror=${mirror%/}
[[ -n $security_mirror ]] || security_mirror=${mirror%/debian}/debian-security
security_mirror=${security_mirror%/}

# ---- validate everything before the first side effect --------------------------------
[[ $(id -u) -eq 0 ]] || die "must run as root (mmdebstrap's root mode needs it); try: sudo $0 $*"
[[ $rootfs == /* ]] || die "rootfs-dir must be an absolute path, got '$rootfs'"
rootfs=${rootfs%/}
[[ -n $rootfs && $rootfs != / ]] || die "refusing to use '/' as rootfs-dir"
[[ $login_user =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] \
    || die "login-user '$login_user' is not a valid user name (lower case letters, digits, _ and -), e.g. admin"
[[ $login_user != root ]] || die "login-user must not be root (root login is disabled); use e.g. admin"
[[ -r $keyfile ]] || die "authorized-public-key-file '$keyfile' is not readable"
pubkey=$(grep -Ev '^\s*(#|$)' "$keyfile" | head -n 1 || true)
[[ $pubkey =~ ^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh.com|sk-ecdsa-sha2-nistp256@openssh.com)\ [A-Za-z0-9+/=]+ ]] \
    || die "'$keyfile' does not look like an OpenSSH PUBLIC key (expected e.g. 'ssh-ed25519 AAAA...'); pass the .pub file"
if ! [[ $ssh_port =~ ^[0-9]{1,5}$ ]] || (( 10#$ssh_port < 1 || 10#$ssh_port > 65535 )); then
    die "ssh-port must be a number 1-65535, got '$ssh_port' (e.g. 2222)"
fi
for url in "$mirror" "$security_mirror"; do
    [[ $url =~ ^(https?|file)://[^[:space:]\'\"]+$ ]] \
        || die "mirror '$url' is not an http(s):// or file:// URL of a Debian archive (e.g. http://deb.debian.org/debian)"
done
if [[ -n $apt_cache ]]; then
    [[ $apt_cache == /* ]] || die "--apt-cache must be an absolute path, got '$apt_cache'"
fi
for tool in mmdebstrap ssh-keygen useradd sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (apt-get install -y mmdebstrap openssh-client passwd coreutils)"
done

# What this rootfs was made from: this script + its arguments. Same stamp = nothing to do.
stamp="script=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1) user=$login_user port=$ssh_port key=$(printf '%s' "$pubkey" | sha256sum | cut -d' ' -f1) mirror=$mirror security=$security_mirror"
if [[ -f $rootfs/$STAMP ]] && [[ $(cat "$rootfs/$STAMP") == "$stamp" ]]; then
    log "$rootfs is up to date, nothing to do"
    exit 0
fi

tmp=$rootfs.tmp

# Unmount anything left mounted below a directory (an interrupted mmdebstrap may leave
# /proc, /sys or a bind-mounted /dev there; rm -rf through those would hurt the host).
unmount_below() {
    local dir=$1 mnt
    [[ -d $dir ]] || return 0
    dir=$(realpath "$dir")
    # mountinfo field 5 is the mount point; deepest first
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo \
        | sort -r | while read -r mnt; do
            umount -l "$mnt" 2>/dev/null || true
        done
}
remove_tree() {
    unmount_below "$1"
    rm -rf --one-file-system "$1"
}
cleanup_on_error() {
    local rc=$?
    if (( rc != 0 )); then
        log "failed (exit $rc); removing partial $tmp"
        remove_tree "$tmp" || true
    fi
}
trap cleanup_on_error EXIT
# interrupted (Ctrl-C, the build cancelled, kill): stop mmdebstrap's whole process group
# too, then the EXIT trap removes the partial tree
child_pgid=''
on_signal() {
    local sig=$1
    trap - INT TERM HUP
    log "interrupted by SIG$sig"
    if [[ -n $child_pgid ]]; then
        kill -TERM -- "-$child_pgid" 2>/dev/null || true
        wait "$child_pgid" 2>/dev/null || true
    fi
    case $sig in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

mkdir -p "$(dirname "$rootfs")"
if [[ -e $tmp ]]; then
    log "removing leftover $tmp from an interrupted run"
    remove_tree "$tmp"
fi

started=$SECONDS
# mmdebstrap resolves the package set with apt in one go and downloads in parallel: about 2.5x
# faster than debootstrap for the same minbase set; dpkg skips its fsync per file while it builds. The package lists stay in the image, so
# the machine's first `apt-get update` only checks them; downloaded packages do not.
cache_hooks=()
if [[ -n $apt_cache ]]; then
    mkdir -p "$apt_cache"
    # the documented mmdebstrap way to share /var/cache/apt/archives with a folder outside
    # ("$1", the chroot, is expanded by mmdebstrap when it runs the hook)
    # shellcheck disable=SC2016
    cache_hooks=(--skip=essential/unlink
        --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
        --setup-hook="sync-in $apt_cache /var/cache/apt/archives/"
        --customize-hook="sync-out /var/cache/apt/archives $apt_cache")
fi
log "mmdebstrap $SUITE ($mirror, minbase) into $tmp${apt_cache:+ (packages cached in $apt_cache)}"
# in its own process group (setsid), in the background, so a signal can stop all of it
setsid mmdebstrap --mode=root --format=directory --variant=minbase --include="$INCLUDE" \
    --skip=cleanup/apt/lists --dpkgopt=force-unsafe-io "${cache_hooks[@]}" \
    "$SUITE" "$tmp" "deb $mirror $SUITE main" &
child_pgid=$!
wait "$child_pgid"
child_pgid=''
unmount_below "$tmp"
# force-unsafe-io (no fsync per unpacked file) was for building only: the image's dpkg is Debian's own
rm -f "$tmp/etc/dpkg/dpkg.cfg.d/99mmdebstrap"
log "mmdebstrap done in $((SECONDS - started))s"

# ---- apt sources: main + updates + security, same mirror host ------------------------
# deb822 in sources.list.d/debian.sources, as on Debian 13's own images (and its AMI)
rm -f "$tmp/etc/apt/sources.list"
mkdir -p "$tmp/etc/apt/sources.list.d"
cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
[[ -s $tmp/usr/share/keyrings/debian-archive-keyring.gpg ]] \
    || die "no /usr/share/keyrings/debian-archive-keyring.gpg in $tmp (debian-archive-keyring missing)"
rm -f "$tmp"/var/cache/apt/archives/*.deb

# ---- identity -------------------------------------------------------------------------
echo "$HOSTNAME_" >"$tmp/etc/hostname"
cat >"$tmp/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$HOSTNAME_
::1		localhost ip6-localhost ip6-loopback
EOF
# one machine id per built rootfs (mmdebstrap leaves it empty)
if [[ ! -s $tmp/etc/machine-id ]]; then
    tr -d '-' </proc/sys/kernel/random/uuid >"$tmp/etc/machine-id"
fi

# ---- the login user: key only, passwordless sudo (like 'admin' on Debian AMIs) -------
useradd --root "$tmp" --create-home --shell /bin/bash --groups sudo \
    --comment "TableOrder deploy login" "$login_user"
uid=$(awk -F: -v u="$login_user" '$1 == u { print $3 }' "$tmp/etc/passwd")
gid=$(awk -F: -v u="$login_user" '$1 == u { print $4 }' "$tmp/etc/passwd")
home=$tmp/home/$login_user
install -d -m 0700 -o "$uid" -g "$gid" "$home/.ssh"
printf '%s\n' "$pubkey" >"$home/.ssh/authorized_keys"
chown "$uid:$gid" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"
printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$login_user" >"$tmp/etc/sudoers.d/90-$login_user"
chmod 0440 "$tmp/etc/sudoers.d/90-$login_user"
chroot "$tmp" visudo -cq -f "/etc/sudoers.d/90-$login_user"

# ---- sshd: own port, loopback only, public keys only, no root ------------------------
# Debian's sshd_config includes sshd_config.d/*.conf first and the first value wins.
cat >"$tmp/etc/ssh/sshd_config.d/10-tableorder.conf" <<EOF
# TableOrder local app server (written by make-rootfs.sh)
Port $ssh_port
# the machine shares the host's network: only the host itself may connect
ListenAddress 127.0.0.1
PermitRootLogin no
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
AllowUsers $login_user
X11Forwarding no
EOF
# host keys inside the rootfs, readable from the host for pinning
# (/etc/ssh/ssh_host_ed25519_key.pub). -A only creates the missing ones.
ssh-keygen -A -f "$tmp" >/dev/null
[[ -s $tmp/etc/ssh/ssh_host_ed25519_key.pub ]] || die "no ed25519 host key in $tmp"
mkdir -p "$tmp/run/sshd"   # sshd -t wants its privilege separation dir (tmpfs at boot)
chroot "$tmp" /usr/sbin/sshd -t -f /etc/ssh/sshd_config
rmdir "$tmp/run/sshd"

# ---- units that make no sense in a container sharing the host's network --------------
# - apt-daily*: no background apt runs racing the bootstrap for the dpkg lock
# - getty@tty1 / serial: nspawn gives the machine a console (console-getty) instead
# - systemd-networkd / resolved / timesyncd would reconfigure the HOST network or clock
for unit in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
    getty@tty1.service serial-getty@ttyS0.service \
    systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
    systemd-resolved.service systemd-timesyncd.service \
    e2scrub_reap.service; do
    ln -sfn /dev/null "$tmp/etc/systemd/system/$unit"
done

# no services started by package scripts while building; nothing else to do for that
rm -f "$tmp/usr/sbin/policy-rc.d"

printf '%s\n' "$stamp" >"$tmp/$STAMP"

# ---- publish atomically -------------------------------------------------------------
if [[ -e $rootfs ]]; then
    log "replacing existing $rootfs (built from a different script or arguments)"
    old=$rootfs.old.$$
    mv "$rootfs" "$old"
    mv "$tmp" "$rootfs"
    remove_tree "$old"
else
    mv "$tmp" "$rootfs"
fi
trap - EXIT
log "rootfs ready: $rootfs ($(du -sh --one-file-system "$rootfs" | cut -f1), $((SECONDS - started))s)"
log "host key: $(cut -d' ' -f1-2 "$rootfs/etc/ssh/ssh_host_ed25519_key.pub")"
