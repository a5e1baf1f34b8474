#!/usr/bin/env bash
# Unpacks Debian 13's (trixie) systemd 257 into .cache/systemd257 without installing anything: ukify,
# systemd-measure, the stubs and systemd-boot, with the trixie loader and the libraries
# systemd-measure needs. Wrappers in .cache/systemd257/bin run them: `systemd-measure` through
# trixie's own loader and libraries, `ukify` with Debian's /usr/bin/python3 and python3-pefile.
# The comparison tests and bench/compare.sh use them. Debian updates trixie: the versions are
# resolved now and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.cache/systemd257
if [ -x "$target/bin/systemd-measure" ] && [ -x "$target/bin/ukify" ]; then exit 0; fi
packages=(
    systemd systemd-boot-efi systemd-ukify libsystemd-shared libc6 libssl3t64 zlib1g libzstd1
    libacl1 libblkid1 libcap2 libcrypt1 libmount1 libpam0g libseccomp2 libselinux1 libaudit1 libpcre2-8-0 libcap-ng0
    libtss2-esys-3.0.2-0t64 libtss2-mu-4.0.1-0t64 libtss2-rc0t64 libtss2-tctildr0t64 libtss2-sys1t64
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
keys=/usr/share/keyrings/debian-archive-trixie-stable.gpg,/usr/share/keyrings/debian-archive-trixie-automatic.gpg
echo "deb [signed-by=$keys] http://deb.debian.org/debian trixie main" > "$work/sources.list"
apt_options=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::Status=/dev/null
    -o APT::Architecture=amd64 -o APT::Sandbox::User=root
)
apt-get "${apt_options[@]}" update -qq
(cd "$work/debs" && apt-get "${apt_options[@]}" download -qq "${packages[@]}")
rm -rf "$target.tmp" && mkdir -p "$target.tmp/root" "$target.tmp/bin"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$target.tmp/root"; done
cat > "$target.tmp/bin/systemd-measure" <<'WRAPPER'
#!/bin/sh
root=$(dirname "$(readlink -f "$0")")/../root
lib=$root/usr/lib/x86_64-linux-gnu
exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib:$lib/systemd" "$root/usr/lib/systemd/systemd-measure" "$@"
WRAPPER
cat > "$target.tmp/bin/ukify" <<'WRAPPER'
#!/bin/sh
root=$(dirname "$(readlink -f "$0")")/../root
exec /usr/bin/python3 "$root/usr/lib/systemd/ukify" "$@"
WRAPPER
chmod +x "$target.tmp/bin/"*
rm -rf "$target" && mv "$target.tmp" "$target"
"$target/bin/systemd-measure" --version | head -1 | sed 's/^/fetch-systemd257: systemd-measure /'
"$target/bin/ukify" --version | sed 's/^/fetch-systemd257: ukify /'
