#!/usr/bin/env bash
# check-installed.sh DEB: installs the package with dpkg -i next to Debian's systemd and systemd-boot,
# checks what a user of the machine gets, and removes it again (also when a check fails). Needs root;
# scripts/test.sh runs it (CI runs as root on a fresh Debian 12).
set -euo pipefail
deb=$(realpath "$1")
failures=0
fail() {
    echo "check-installed.sh: $*" >&2
    failures=$((failures + 1))
}
[ "$(id -u)" -eq 0 ] || { echo "check-installed.sh: dpkg -i needs root" >&2; exit 77; }
dpkg-query -W -f='${Status}\n' systemd-boot | grep -q 'install ok installed' ||
    { echo "check-installed.sh: Debian's systemd-boot is not installed (scripts/install-deps.sh)" >&2; exit 69; }
errors=$(mktemp)
trap 'dpkg --purge bootchain >/dev/null; rm -f "$errors"' EXIT
dpkg -i "$deb" >/dev/null
tools=(ukify measure bootctl sbat)
hooks_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The plain names stay systemd's (or absent: Debian 12 has no ukify); the package puts only
# bootchain-NAME on PATH.
for name in "${tools[@]}"; do
    found=$(PATH=$hooks_path command -v "$name" || true)
    if [ -n "$found" ] && dpkg -S "$(realpath "$found")" 2>/dev/null | grep -q '^bootchain:'; then
        fail "$name on PATH is bootchain's ($found)"
    fi
done
[ "$(PATH=$hooks_path command -v bootctl)" = /usr/bin/bootctl ] || fail "bootctl on PATH is not /usr/bin/bootctl"
dpkg -S /usr/bin/bootctl | grep -q '^systemd-boot:' || fail "/usr/bin/bootctl is not systemd-boot's"
for file in $(dpkg -L bootchain); do
    case $file in /usr/bin/* | /usr/sbin/* | /bin/* | /sbin/*)
        [[ $(basename "$file") == bootchain-* ]] || fail "$file is on PATH under a name that is not bootchain-*"
        ;;
    esac
done

# zz-systemd-boot's test, with the PATH kernel hooks run with: systemd's bootctl answers (0 or 1),
# never a usage error (which would skip installing every new kernel).
hook=/etc/kernel/postinst.d/zz-systemd-boot
grep -q '^bootctl is-installed --quiet || exit 0$' "$hook" || fail "$hook no longer runs 'bootctl is-installed --quiet'"
is_installed=0
PATH=$hooks_path bootctl is-installed --quiet 2>"$errors" || is_installed=$?
if [ $is_installed -gt 1 ] || grep -q "Unknown option" "$errors"; then
    fail "bootctl is-installed --quiet exited $is_installed: $(cat "$errors")"
fi

# Each tool runs with the Swift toolchain hidden (a private mount namespace with a tmpfs over it)
# and links no Swift library; bootctl and sbat link neither libtss2 nor libelf, ukify and sbat no libefivar.
toolchain=$(dirname "$(dirname "$(dirname "$(realpath "$(command -v swift)")")")")
for name in "${tools[@]}"; do
    program=/usr/bin/bootchain-$name
    unshare --mount sh -c "mount -t tmpfs none '$toolchain' && env -i PATH=$hooks_path '$program' --version" \
        >/dev/null 2>&1 || fail "$program does not run with $toolchain hidden"
    ldd "$program" | grep -q -e libswift -e "$toolchain" && fail "$program links the Swift toolchain: $(ldd "$program")"
    readelf -S "$program" | grep -q "\.symtab" && fail "$program is not stripped"
done
for name in bootctl sbat; do
    ldd /usr/bin/bootchain-$name | grep -q -e libtss2 -e libelf && fail "bootchain-$name links libtss2 or libelf"
done
for name in ukify sbat; do
    ldd /usr/bin/bootchain-$name | grep -q libefi && fail "bootchain-$name links libefivar or libefiboot"
done

# man finds every page; completions are registered for the installed names; the unit is valid.
for name in "${tools[@]}"; do
    man -w "bootchain-$name" >/dev/null 2>&1 || fail "man finds no page bootchain-$name"
    bash -c "source /usr/share/bash-completion/completions/bootchain-$name && complete -p bootchain-$name" \
        >/dev/null 2>&1 || fail "no bash completion for bootchain-$name"
    [ -f "/usr/share/zsh/vendor-completions/_bootchain-$name" ] || fail "no zsh completion for bootchain-$name"
    [ -f "/usr/share/fish/vendor_completions.d/bootchain-$name.fish" ] || fail "no fish completion for bootchain-$name"
done
systemd-analyze verify /usr/lib/systemd/system/bootchain-mark-good.service ||
    fail "systemd-analyze verify rejects bootchain-mark-good.service"
[ -x /usr/lib/kernel/install.d/60-bootchain.install ] || fail "the kernel-install plugin is not installed"

[ $failures -eq 0 ] || exit 1
echo "check-installed.sh: $(basename "$deb") installs next to systemd-boot; every check passed"
