#!/usr/bin/env bash
# Makes sure a redis-server binary of Redis 6 or newer exists: the tests and `npm run dev` start
# their own private server from it (they never use one that is already running). Installs
# Debian's package when none is found, and says which version it found or installed.
set -euo pipefail

find_redis() {
  command -v redis-server 2>/dev/null || { [ -x /usr/sbin/redis-server ] && echo /usr/sbin/redis-server; } || true
}

version_of() {
  # "Redis server v=7.0.15 sha=..." -> 7.0.15
  "$1" --version | sed -nE 's/.* v=([0-9]+\.[0-9]+\.[0-9]+).*/\1/p'
}

bin=$(find_redis)
how="found"
if [ -z "$bin" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup:redis: redis-server is missing; install Redis 6 or newer (macOS: brew install redis) and re-run." >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup:redis: redis-server not found; installing Debian's redis-server package..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  bin=$(find_redis)
  how="installed"
fi

version=$(version_of "$bin")
major=${version%%.*}
if [ -z "$version" ] || [ "$major" -lt 6 ]; then
  echo "setup:redis: $bin is Redis ${version:-of unknown version}; Redis 6 or newer is needed. Install a newer one and re-run." >&2
  exit 1
fi
echo "setup:redis: Redis $version $how at $bin"
