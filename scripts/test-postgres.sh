#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 and Redis on loopback, runs the given command with
# OPERATE_TEST_POSTGRES_URL and OPERATE_TEST_REDIS_URL pointing at them, then stops both.
# Installs Debian's postgresql, redis-server, nginx and chromium first when they are missing (needs root;
# OPERATE_WITHOUT_BROWSER=1 leaves chromium out). PostgreSQL runs with fsync=off for speed;
# OPERATE_TEST_PG_FSYNC=on keeps its default durability (every commit waits for its WAL flush).
set -euo pipefail

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

missing=()
pg_bin >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
# The load-balancer tests run deploy/nginx/operate.conf in Debian's nginx (started per test, on loopback).
[ -x /usr/sbin/nginx ] || missing+=(nginx)
# The dashboard's browser tests drive Debian's chromium (never a downloaded browser); the benchmark does not.
[ "${OPERATE_WITHOUT_BROWSER:-}" = 1 ] || command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-postgres: missing ${missing[*]} and this is not root; install: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "test-postgres: installing Debian's ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PG_BIN=$(pg_bin)

WORK=$(mktemp -d /tmp/operate-pg.XXXXXX)
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(free_port)
REDIS_PORT=$(free_port)
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root.
  chown postgres:postgres "$WORK"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=${OPERATE_TEST_PG_FSYNC:-off} -c max_connections=200" start >/dev/null
echo "test-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"
for _ in $(seq 1 50); do [ -f "$WORK/redis.pid" ] && break; sleep 0.1; done
echo "test-postgres: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$REDIS_PORT"

OPERATE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PORT/postgres" \
  OPERATE_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" "$@"
