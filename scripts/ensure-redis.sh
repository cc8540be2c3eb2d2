#!/usr/bin/env bash
# Makes sure a redis-server binary exists: the tests and `npm run dev` start their own private
# server from it (they never use one that is already running). Installs Debian's package if missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 || [ -x /usr/sbin/redis-server ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "redis-server is missing: install Redis 6+ (macOS: brew install redis) and re-run." >&2
exit 1
