#!/usr/bin/env bash
# A throwaway PostgreSQL server for ledger-pg-bench (bench/pg_peer.md).
#
#   bench/postgres.sh start DIR   initdb a fresh cluster in DIR, start it on 127.0.0.1 and a
#                                 free port (unix socket in DIR), create database "bench",
#                                 print one line: conninfo=host=127.0.0.1 port=N dbname=bench user=U
#   bench/postgres.sh stop DIR    stop it (fast shutdown); removing DIR is the caller's job
#
# Durable settings (fsync, synchronous_commit, full_page_writes all on, as the ledger
# fsyncs before it acknowledges) and a fair tuning for a 24 GiB, 2-core machine.
# initdb and postgres refuse to run as root: as root they run as user postgres, which
# then owns DIR. Errors go to stderr, with exit status 1 (2 for a usage error).
set -euo pipefail

usage() {
  echo "usage: bench/postgres.sh start|stop DIR" >&2
  exit 2
}
fail() {
  echo "bench/postgres.sh: $*" >&2
  exit 1
}

[[ $# -eq 2 ]] || usage
action=$1
dir=$2

bindir() {
  local d
  if command -v pg_config >/dev/null && d=$(pg_config --bindir) && [[ -x $d/initdb ]]; then
    echo "$d"
    return
  fi
  # pg_config (libpq-dev) may name a client-only bindir: take the newest server install.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/initdb ]] && { echo "$d"; return; }
  done
  fail "no PostgreSQL server binaries (initdb) found; install the postgresql package"
}

# Runs a server binary as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin port user
  bin=$(bindir)
  mkdir -p "$dir"
  [[ -z $(ls -A "$dir") ]] || fail "$dir is not empty"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || fail "running as root needs a postgres user"
    chown postgres: "$dir"
    user=postgres
  else
    user=$(id -un)
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || fail "initdb failed: $(tail -5 "$dir/initdb.log")"
  port=$(free_port)
  cat >>"$dir/data/postgresql.conf" <<EOF

# bench/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
# durable, as the ledger is: every commit is fsynced before it is acknowledged
fsync = on
synchronous_commit = on
full_page_writes = on
# a 24 GiB, 2-core machine
shared_buffers = 2GB
wal_buffers = 64MB
max_wal_size = 8GB
checkpoint_timeout = 30min
work_mem = 64MB
maintenance_work_mem = 1GB
EOF
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    fail "the server did not start: $(tail -5 "$dir/server.log")"
  as_owner "$bin/createdb" -h "$dir" -p "$port" -U "$user" bench ||
    fail "createdb bench failed"
  echo "conninfo=host=127.0.0.1 port=$port dbname=bench user=$user"
}

stop() {
  local bin
  bin=$(bindir)
  [[ -f $dir/data/PG_VERSION ]] || fail "$dir holds no cluster"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
    fail "pg_ctl stop failed"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
