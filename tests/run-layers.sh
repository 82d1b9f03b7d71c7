#!/bin/sh
# run-layers.sh — the layering check of docs/ARCHITECTURE.md: every
# include, every function or variable one object takes from another and
# every type one file takes from another's header must point down the
# layer table, and no circle may join any files of the tree
# (scripts/check-layers.py; it prints the offending file:line and rule).
# Reads the objects of VETO_BUILD_DIR (make test sets it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VETO_BUILD_DIR:-$root/build}
if ! command -v python3 >/dev/null 2>&1; then
    echo "run-layers: python3 is needed (scripts/install-deps.sh installs it)"
    echo "0 passed, 1 failed"
    exit 1
fi
exec python3 "$root/scripts/check-layers.py" --build "$build"
