#!/usr/bin/env bash
# Make sure the services the test suite talks to are installed and running:
# PostgreSQL and Redis on loopback, Debian's Chromium for the end-to-end tests, Debian's
# Dovecot (binaries only) for the IMAP tests.
# Each is started with the machine's own command when it is installed but stopped.
set -uo pipefail

log() { echo "services: $*"; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then log "cannot install $* (not root)"; return 1; fi
  if [ ! -f /var/lib/apt/periodic/aclara-updated ]; then
    apt-get update -qq >/dev/null 2>&1 && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/aclara-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ls /etc/postgresql >/dev/null 2>&1; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
pg_isready -q -h 127.0.0.1 -p 5432 && log "PostgreSQL is up" || log "PostgreSQL is NOT available"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null || true
    sleep 0.5
  fi
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && log "Redis is up" || log "Redis is NOT available"

if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium (end-to-end tests)"
  apt_install chromium || true
fi
[ -x /usr/bin/chromium ] && log "Chromium is installed" || log "Chromium is NOT available"

# The email tests start their own throwaway Dovecot (tests/services/dovecot.py); the
# package's own service is not needed, only the binaries.
if [ ! -x /usr/sbin/dovecot ]; then
  log "installing Debian's dovecot-imapd (IMAP tests)"
  apt_install dovecot-imapd || true
fi
[ -x /usr/sbin/dovecot ] && log "Dovecot is installed" || log "Dovecot is NOT available"
exit 0
