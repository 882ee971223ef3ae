#!/usr/bin/env bash
# Render a wva-sim HTML report in headless Chromium and save a PNG screenshot, to check
# that the inline SVG plots render and read well without a network.
#
#   hack/screenshot-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]
#
# Installs Debian's chromium with apt-get when it is missing (slow; once). Not part of
# `make test`.
set -euo pipefail

report=${1:?usage: hack/screenshot-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]}
out=${2:-${report%.html}.png}
size=${3:-1400,2400}

if ! command -v chromium >/dev/null 2>&1; then
	echo "chromium not found; installing it with apt-get (this takes a while)" >&2
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
	$SUDO apt-get update
	$SUDO apt-get install -y chromium
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run \
	--user-data-dir="$profile" --hide-scrollbars \
	--screenshot="$out" --window-size="$size" "file://$abs" 2>/dev/null
echo "wrote $out" >&2
