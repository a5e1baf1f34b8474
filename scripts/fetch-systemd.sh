#!/usr/bin/env bash
# Unpacks systemd releases users run, without installing anything, for the comparison tests and
# bench/compare.sh:
# - .cache/systemd257: Debian 13's (trixie) ukify, systemd-measure, stubs and systemd-boot, with the
#   trixie loader and the libraries systemd-measure needs. Wrappers in .cache/systemd257/bin run
#   them: `systemd-measure` through trixie's own loader and libraries, `ukify` with Debian's
#   /usr/bin/python3 and python3-pefile.
# - .cache/systemd254: the stubs of systemd 254 from Debian 12's bookworm-backports.
# (systemd 252's stubs and systemd-measure are Debian 12's own, installed by install-deps.sh.)
# Debian updates these suites: the versions are resolved now and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
keyrings=/usr/share/keyrings

# unpack SUITE KEYRING-NAME TARGET PACKAGE...: downloads PACKAGEs of SUITE and unpacks them into TARGET/root.
unpack() {
    local suite=$1 keyring=$2 target=$3
    shift 3
    local work
    work=$(mktemp -d)
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
    local keys=$keyrings/debian-archive-$keyring-stable.gpg,$keyrings/debian-archive-$keyring-automatic.gpg
    echo "deb [signed-by=$keys] http://deb.debian.org/debian $suite main" > "$work/sources.list"
    local options=(
        -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::Status=/dev/null
        -o APT::Architecture=amd64 -o APT::Sandbox::User=root
    )
    apt-get "${options[@]}" update -qq
    (cd "$work/debs" && apt-get "${options[@]}" download -qq "$@")
    rm -rf "$target.tmp" && mkdir -p "$target.tmp/root"
    for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$target.tmp/root"; done
    rm -rf "$work"
}

target=.cache/systemd257
if ! [ -x "$target/bin/systemd-measure" ] || ! [ -x "$target/bin/ukify" ]; then
    unpack trixie trixie "$target" \
        systemd systemd-boot-efi systemd-ukify libsystemd-shared libc6 libssl3t64 zlib1g libzstd1 \
        libacl1 libblkid1 libcap2 libcrypt1 libmount1 libpam0g libseccomp2 libselinux1 libaudit1 libpcre2-8-0 \
        libcap-ng0 libtss2-esys-3.0.2-0t64 libtss2-mu-4.0.1-0t64 libtss2-rc0t64 libtss2-tctildr0t64 libtss2-sys1t64
    mkdir -p "$target.tmp/bin"
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
    "$target/bin/systemd-measure" --version | head -1 | sed 's/^/fetch-systemd: systemd-measure /'
    "$target/bin/ukify" --version | sed 's/^/fetch-systemd: ukify /'
fi

target=.cache/systemd254
if ! [ -f "$target/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub" ]; then
    unpack bookworm-backports bookworm "$target" systemd-boot-efi
    rm -rf "$target" && mv "$target.tmp" "$target"
    echo "fetch-systemd: $(grep -a -o -m1 'systemd-stub [0-9][^ ]*' "$target/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub")"
fi
