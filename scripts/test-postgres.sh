#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 on loopback, runs the given command with OPERATE_TEST_POSTGRES_URL
# pointing at it, then stops it. Installs Debian's postgresql first when it is missing (needs root).
set -euo pipefail

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! PG_BIN=$(pg_bin); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-postgres: PostgreSQL is not installed and this is not root; install it: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "test-postgres: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(pg_bin)
fi

WORK=$(mktemp -d /tmp/operate-pg.XXXXXX)
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root.
  chown postgres:postgres "$WORK"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off -c max_connections=200" start >/dev/null
echo "test-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"

OPERATE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PORT/postgres" "$@"
