#!/usr/bin/env bash
# Runs every test: unit, CLI, a short libFuzzer pass over every parser (scripts/fuzz.sh), and the firmware boots
# (which need scripts/install-deps.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-kernel.sh
scripts/fetch-systemd257.sh   # Debian 13's ukify, systemd-measure and stubs, unpacked (comparison tests)
swift build
scripts/update-man.sh --check
swift format lint --strict --recursive Sources Tests Package.swift Fuzz
scripts/fuzz.sh 5000   # a few seconds per target
swift build -c release --static-swift-stdlib --product bootctl --scratch-path .build-static   # runs in test guests
swift test
