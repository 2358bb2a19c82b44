#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432, database `test`) and Redis (127.0.0.1:6379) answer.
# Starts them with the machine's own commands when they are down; fails loudly when it cannot.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

wait_for() {  # wait_for NAME CHECK
  for _ in $(seq 1 30); do "$2" && return 0; sleep 1; done
  echo "error: $1 did not come up" >&2
  return 1
}

if ! pg_up; then
  echo "PostgreSQL is down; starting it"
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "error: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  wait_for PostgreSQL pg_up
fi
if ! psql -h 127.0.0.1 -U postgres -d test -Atqc "select 1" >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "create database test" || {
    echo "error: cannot reach database 'test' as postgres on 127.0.0.1:5432" >&2; exit 1; }
fi

if ! redis_up; then
  echo "Redis is down; starting it"
  if ! command -v redis-server >/dev/null; then
    echo "error: Redis is not installed (apt-get install redis-server)" >&2; exit 1
  fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis_up
fi
echo "services: PostgreSQL and Redis are up"
