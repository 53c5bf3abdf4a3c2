#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis servers the tests need, when they are installed but not
# running. It never installs a server and never touches one that already answers.
set -u

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"
    for version in /etc/postgresql/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start 2>/dev/null || true
    done
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || echo "services: PostgreSQL is not reachable on 127.0.0.1:5432 (the PostgreSQL tests will fail)" >&2
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "services: starting Redis"
    mkdir -p /tmp/cdlink-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/cdlink-redis --logfile /tmp/cdlink-redis/redis.log >/dev/null
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  fi
  redis_up || echo "services: Redis is not reachable on 127.0.0.1:6379 (the Redis tests will fail)" >&2
fi
exit 0
