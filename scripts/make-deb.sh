#!/usr/bin/env bash
# make-deb.sh TREE VERSION OUTDIR: packages the `make install PREFIX=/usr` tree TREE as
# OUTDIR/bootchain_VERSION_ARCH.deb (dpkg-deb, no network). Depends comes from dpkg-shlibdeps over the
# tools, so it names exactly the C libraries they link. Nothing in the tree is a path systemd or
# Debian ships (the tools are bootchain-NAME on PATH), so it installs next to systemd and systemd-boot.
set -euo pipefail
tree=$1 version=$2 outdir=$3
[ -x "$tree/usr/lib/bootchain/bin/bootctl" ] || { echo "make-deb.sh: $tree is not a make install PREFIX=/usr tree" >&2; exit 66; }
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: bootchain\n\nPackage: bootchain\nArchitecture: any\n' >"$work/debian/control"
tools=("$(realpath "$tree")"/usr/lib/bootchain/bin/*)
depends=$(cd "$work" && dpkg-shlibdeps -O "${tools[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make-deb.sh: dpkg-shlibdeps found no dependencies of ${tools[*]}" >&2; exit 65; }
mkdir -p "$tree/DEBIAN"
cat >"$tree/DEBIAN/control" <<CONTROL
Package: bootchain
Version: $version
Architecture: $arch
Maintainer: bootchain developers <bootchain@localhost>
Section: admin
Priority: optional
Depends: $depends, init-system-helpers
Installed-Size: $(du -sk --exclude=DEBIAN "$tree" | cut -f1)
Description: UKIs that boot, measured and signed
 Builds, signs and inspects Unified Kernel Images (bootchain-ukify), predicts and signs their
 TPM2 PCR 11 policies (bootchain-measure), manages firmware boot entries, boot counting and A/B
 slots (bootchain-bootctl) and checks SBAT revocations (bootchain-sbat). The same programs under
 their own names are in /usr/lib/bootchain/bin; none shadows systemd's bootctl or ukify. A
 kernel-install plugin (layout=uki, uki_generator=bootchain) and bootchain-mark-good.service
 (after boot-complete.target) are included.
CONTROL
cat >"$tree/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
# Enabled on first install; on upgrades the administrator's choice stays.
if [ "$1" = configure ]; then
    if [ -z "$2" ]; then
        deb-systemd-helper enable bootchain-mark-good.service
    else
        deb-systemd-helper update-state bootchain-mark-good.service
    fi
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
SCRIPT
cat >"$tree/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
# deb-systemd-helper (init-system-helpers) may already be gone when the package is purged late.
command -v deb-systemd-helper >/dev/null || exit 0
case "$1" in
remove) deb-systemd-helper mask bootchain-mark-good.service ;;
purge)
    deb-systemd-helper purge bootchain-mark-good.service
    deb-systemd-helper unmask bootchain-mark-good.service
    ;;
esac
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
SCRIPT
chmod 0755 "$tree/DEBIAN/postinst" "$tree/DEBIAN/postrm"
mkdir -p "$outdir"
dpkg-deb --root-owner-group --build "$tree" "$outdir/bootchain_${version}_$arch.deb" >/dev/null
echo "$outdir/bootchain_${version}_$arch.deb"
