#!/usr/bin/env bash
# Runs every test: unit, CLI, a bounded libFuzzer run of the SBAT parsers, and the firmware boots
# (which need scripts/install-deps.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-kernel.sh
scripts/fetch-systemd.sh   # systemd 257 (ukify, systemd-measure, stubs) and 254 (stubs), unpacked (comparison tests)
swift build
scripts/update-man.sh --check
swift format lint --strict --recursive Sources Tests Package.swift Fuzz
scripts/fuzz-sbat.sh 50000
swift build -c release --static-swift-stdlib --product bootctl --scratch-path .build-static   # runs in test guests
swift test
