#!/bin/sh
# install-deps.sh — installs the Debian packages that building and testing
# Veto need, and only those that are missing. Quiet when all are present.
# Needs root (or sudo) only when something has to be installed.
#
# Why each is needed: README.md, "Dependencies".
set -eu

PACKAGES="
build-essential
clang
clang-format
lemon
libjansson-dev
libyaml-dev
libpcre2-dev
libsqlite3-dev
sqlite3
libpq-dev
libclang-rt-14-dev
jq
libxml2-utils
valgrind
time
python3
"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: not a Debian-like system; install by hand the equivalents of:" >&2
    echo "$PACKAGES" | tr '\n' ' ' >&2
    echo >&2
    exit 0
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case $status in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done
# Node tools for tests/run-validators.sh (ajv-cli: JSON Schema; the official
# SARIF validator), installed with npm into $VETO_NODE_DIR, outside the tree.
node_dir=${VETO_NODE_DIR:-${HOME:-/root}/.cache/veto-node}
if command -v npm >/dev/null 2>&1; then
    if [ ! -x "$node_dir/node_modules/.bin/ajv" ] || [ ! -e "$node_dir/node_modules/.bin/sarif-multitool" ]; then
        echo "install-deps: installing node tools into $node_dir"
        mkdir -p "$node_dir"
        (cd "$node_dir" && npm install --no-audit --no-fund --silent \
            ajv-cli@5 ajv-formats@2 @microsoft/sarif-multitool@5 >/dev/null)
    fi
    # npm may skip the package's postinstall, which makes the binary executable.
    native="$node_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    [ ! -f "$native" ] || chmod u+x "$native"
else
    echo "install-deps: npm not found: tests/run-validators.sh will skip JSON Schema and SARIF checks" >&2
fi

[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
# shellcheck disable=SC2086 # $sudo may be empty; $missing is one word per package
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing >/dev/null
echo "install-deps: done"
