#!/usr/bin/env bash
# Runs every test: unit, CLI, a short libFuzzer pass over every parser (scripts/fuzz.sh), and the firmware boots
# (which need scripts/install-deps.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-kernel.sh
scripts/fetch-systemd.sh   # systemd 257 (ukify, systemd-measure, stubs) and 254 (stubs), unpacked (comparison tests)
swift build
scripts/update-man.sh --check
swift format lint --strict --recursive Sources Tests Package.swift Fuzz
scripts/fuzz.sh 5000   # a few seconds per target
make deb        # out/deb (the installed tree: guests run its bootctl, the kernel-install test its plugin) and the .deb
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO scripts/check-installed.sh out/bootchain_*.deb   # dpkg -i next to systemd-boot, checks, dpkg --purge
swift test
