#!/usr/bin/env bash
# Prints the path of a promtool (Prometheus' rule and config checker) for the offline checks, getting one if needed:
#   promtool="$(bash deploy/tools/promtool.sh)"
# Uses promtool on PATH, else one unpacked before into the cache folder (CONNECTS_TOOLS_DIR, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/connects-tools), else downloads Debian's `prometheus` package with apt-get and unpacks
# only its promtool there: nothing is installed, so no Prometheus server is set up or started. Exits non-zero (and says
# why) when none can be had, so a check that needs it fails instead of being skipped.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
tools="${CONNECTS_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/connects-tools}"
if [[ -x "$tools/usr/bin/promtool" ]]; then echo "$tools/usr/bin/promtool"; exit 0; fi
command -v apt-get >/dev/null 2>&1 || { echo "promtool: not installed and no apt-get to get Debian's prometheus package" >&2; exit 1; }
# One fetch at a time (checks may run side by side); whoever waited finds it there.
mkdir -p "$tools"
exec 9>"$tools/.lock"
flock 9
if [[ -x "$tools/usr/bin/promtool" ]]; then echo "$tools/usr/bin/promtool"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() { (cd "$work" && apt-get download -qq prometheus) >&2; }
if ! fetch 2>/dev/null; then
  [[ $EUID -eq 0 ]] || { echo "promtool: apt-get download prometheus failed and only root can run apt-get update" >&2; exit 1; }
  apt-get update -qq >&2
  fetch || { echo "promtool: apt-get download prometheus failed" >&2; exit 1; }
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/unpacked"
"$work/unpacked/usr/bin/promtool" --version >/dev/null
mkdir -p "$tools/usr/bin"
cp "$work/unpacked/usr/bin/promtool" "$tools/usr/bin/.promtool.new"
mv -f "$tools/usr/bin/.promtool.new" "$tools/usr/bin/promtool"
echo "$tools/usr/bin/promtool"
