#!/usr/bin/env bash
# Unpacks Debian's current amd64 kernel package into .cache/kernel (no install, nothing booted on
# this machine). The version is resolved now: Debian updates it.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.cache/kernel
if compgen -G "$target/boot/vmlinuz-*" >/dev/null; then exit 0; fi
package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$package" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
(cd "$download" && apt-get download -q "$package" 2>/dev/null)
rm -rf "$target.tmp" && mkdir -p "$target.tmp"
dpkg-deb -x "$download"/"$package"_*.deb "$target.tmp"
rm -rf "$target" && mv "$target.tmp" "$target"
echo "fetch-kernel: $(ls "$target"/boot/vmlinuz-*)"
