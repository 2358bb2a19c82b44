#!/usr/bin/env bash
# Install the Debian packages the test suite needs when they are missing: Chromium for the browser
# tests, and PostgreSQL/Redis client tools (the servers themselves run on the machine; see
# ensure-services.sh). Needs root or sudo; says what to do otherwise.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_isready >/dev/null || missing+=(postgresql)
command -v redis-cli >/dev/null || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: please install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
