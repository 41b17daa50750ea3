#!/usr/bin/env bash
# Installs and starts the real services the tests run against: Node 24, FerretDB (a MongoDB-wire
# server on SQLite), Redis, an S3-compatible server (Versity S3 Gateway on a folder), Chromium,
# actionlint and zizmor. Idempotent; downloads are cached under
# $GROUNDWORK_CACHE (default ~/.cache/groundwork) so a second run takes seconds.
#
#   scripts/services.sh up       install what is missing, start the services, print the env
#   scripts/services.sh install  install only
#   scripts/services.sh start    start FerretDB, Redis and the S3 server on loopback (no-op when running)
#   scripts/services.sh stop     stop them
#   scripts/services.sh env      print the exports the tests read (eval "$(scripts/services.sh env)")
#   scripts/services.sh mongo    FerretDB alone (built when missing, started when stopped); prints
#                                its address (`npm run dev` uses it where it cannot download mongod)
set -euo pipefail

CACHE="${GROUNDWORK_CACHE:-$HOME/.cache/groundwork}"
BIN="$CACHE/bin"
RUN="$CACHE/run"
NODE_MAJOR=24
FERRETDB_VERSION=v1.24.2
ACTIONLINT_VERSION=v1.7.12
ZIZMOR_VERSION=1.32.0
VERSITYGW_VERSION=v1.8.0
MONGO_PORT="${GROUNDWORK_MONGO_PORT:-27018}"
REDIS_PORT="${GROUNDWORK_REDIS_PORT:-6380}"
S3_PORT="${GROUNDWORK_S3_PORT:-7070}"
# Only a project with the storage feature needs the S3 server.
STORAGE_FEATURE="$(dirname "${BASH_SOURCE[0]}")/../src/features/storage"
# The test server's one account (loopback only): every request must carry its SigV4 signature.
S3_ACCESS_KEY=groundwork
S3_SECRET_KEY=groundwork-test-secret
NODE_DIR="$CACHE/node$NODE_MAJOR/node_modules/node/bin"

LOG_TAG=services
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_node() {
  if [ -x "$NODE_DIR/node" ] && "$NODE_DIR/node" --version | grep -q "^v$NODE_MAJOR\."; then return 0; fi
  need npm "install any Node.js with npm first; it fetches Node $NODE_MAJOR from the npm registry"
  log "installing Node $NODE_MAJOR from the npm registry's node package"
  mkdir -p "$CACHE/node$NODE_MAJOR"
  # The package's preinstall only links the platform binary that npm already unpacked.
  npm install --silent --no-save --prefix "$CACHE/node$NODE_MAJOR" "node@$NODE_MAJOR" >/dev/null 2>&1
  "$NODE_DIR/node" --version >/dev/null || die "Node $NODE_MAJOR did not install"
}

install_ferretdb() {
  if [ -x "$BIN/ferretdb" ] && "$BIN/ferretdb" --version 2>/dev/null | grep -q "version: $FERRETDB_VERSION"; then return 0; fi
  need go "install Go (apt-get install golang) to build FerretDB"
  log "building FerretDB $FERRETDB_VERSION (about a minute the first time)"
  # `go install ...@version` fails: the module proxy refuses the version list it reads for
  # deprecations, and the module zip lacks build/version/version.txt. Build a patched copy instead.
  local src="$CACHE/src/ferretdb-$FERRETDB_VERSION"
  go_module_source "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" "$src"
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -o "$BIN/ferretdb" ./cmd/ferretdb)
}

install_actionlint() {
  if [ -x "$BIN/actionlint" ] && "$BIN/actionlint" --version | grep -q "^$ACTIONLINT_VERSION"; then return 0; fi
  need go "install Go to build actionlint"
  log "building actionlint $ACTIONLINT_VERSION"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}

# The S3 API of the storage feature's tests: a real server that checks signatures, built from the
# Go module proxy (MinIO's downloads are not always reachable; docs/decisions/0122).
install_versitygw() {
  [ -d "$STORAGE_FEATURE" ] || return 0
  if [ -x "$BIN/versitygw" ] && "$BIN/versitygw" --version 2>/dev/null | grep -q "Version  : $VERSITYGW_VERSION$"; then return 0; fi
  need go "install Go (apt-get install golang) to build the S3 test server"
  log "building Versity S3 Gateway $VERSITYGW_VERSION (a few minutes the first time)"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install -ldflags "-X main.Version=$VERSITYGW_VERSION" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
}

install_zizmor() {
  if [ -x "$CACHE/venv/bin/zizmor" ] && "$CACHE/venv/bin/zizmor" --version | grep -q "$ZIZMOR_VERSION"; then return 0; fi
  need python3 "install Python 3 to install zizmor"
  log "installing zizmor $ZIZMOR_VERSION"
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q --disable-pip-version-check "zizmor==$ZIZMOR_VERSION"
  ln -sf "$CACHE/venv/bin/zizmor" "$BIN/zizmor"
}

cmd_install() {
  mkdir -p "$BIN"
  apt_install redis-server chromium git shellcheck
  install_node
  install_ferretdb
  install_actionlint
  install_versitygw
  install_zizmor
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  die "$name did not start on 127.0.0.1:$port (log: $RUN/$name.log)"
}

start_ferretdb() {
  mkdir -p "$RUN/ferretdb-data"
  if port_open "$MONGO_PORT"; then
    log "MongoDB-wire server already listening on $MONGO_PORT"
  else
    [ -x "$BIN/ferretdb" ] || die "FerretDB is not installed: run scripts/services.sh install"
    nohup "$BIN/ferretdb" --handler=sqlite --sqlite-url="file:$RUN/ferretdb-data/" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$RUN" --debug-addr=- \
      --telemetry=disable --log-level=warn >"$RUN/ferretdb.log" 2>&1 &
    echo $! >"$RUN/ferretdb.pid"
    wait_port "$MONGO_PORT" ferretdb
    log "FerretDB $FERRETDB_VERSION on 127.0.0.1:$MONGO_PORT"
  fi
}

start_redis() {
  if port_open "$REDIS_PORT"; then
    log "Redis already listening on $REDIS_PORT"
  else
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
    wait_port "$REDIS_PORT" redis
    log "Redis on 127.0.0.1:$REDIS_PORT"
  fi
}

start_s3() {
  [ -d "$STORAGE_FEATURE" ] || return 0
  mkdir -p "$RUN/s3-data"
  if port_open "$S3_PORT"; then
    log "S3 server already listening on $S3_PORT"
  else
    [ -x "$BIN/versitygw" ] || die "the S3 test server is not installed: run scripts/services.sh install"
    ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" nohup "$BIN/versitygw" \
      --port "127.0.0.1:$S3_PORT" --quiet posix "$RUN/s3-data" >"$RUN/s3.log" 2>&1 &
    echo $! >"$RUN/s3.pid"
    wait_port "$S3_PORT" s3
    log "S3 server (Versity S3 Gateway $VERSITYGW_VERSION) on 127.0.0.1:$S3_PORT"
  fi
}

cmd_start() { start_ferretdb; start_redis; start_s3; }

cmd_mongo() {
  port_open "$MONGO_PORT" || { mkdir -p "$BIN"; install_ferretdb; start_ferretdb; }
  echo "mongodb://127.0.0.1:$MONGO_PORT"
}

cmd_stop() {
  local name pid
  for name in ferretdb redis s3; do
    [ -f "$RUN/$name.pid" ] || continue
    pid=$(cat "$RUN/$name.pid")
    if kill "$pid" 2>/dev/null; then log "stopped $name"; fi
    rm -f "$RUN/$name.pid"
  done
}

cmd_env() {
  cat <<ENV
export PATH="$NODE_DIR:$BIN:\$PATH"
export MONGODB_URL="mongodb://127.0.0.1:$MONGO_PORT/groundwork_test"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
export S3_ACCESS_KEY_ID="$S3_ACCESS_KEY"
export S3_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
export CHROMIUM_PATH="$(command -v chromium || echo /usr/bin/chromium)"
export ACTIONLINT="$BIN/actionlint"
export ZIZMOR="$BIN/zizmor"
ENV
}

case "${1:-up}" in
  up) cmd_install; cmd_start; cmd_env ;;
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  mongo) cmd_mongo ;;
  *) die "unknown command '$1' (use: up, install, start, stop, env, mongo)" ;;
esac
