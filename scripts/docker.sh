#!/usr/bin/env bash
# Installs and runs what the Docker end-to-end suite (tests/docker/) needs on a machine that
# reaches package registries only: a Docker engine, the Compose plugin, Caddy, an image registry
# and sshd (the suite starts its own of both) and local stand-ins for the images compose.prod.yml
# names.
# Idempotent; everything is cached under $GROUNDWORK_CACHE (default ~/.cache/groundwork).
#
#   scripts/docker.sh install  install the engine and tools, build the local base images
#   scripts/docker.sh start    start dockerd (no-op when running)
#   scripts/docker.sh images   (re)build missing local base images (dockerd must run)
#   scripts/docker.sh stop     stop what start started
#   scripts/docker.sh env      print the exports the suite reads
#   scripts/docker.sh caddy    only build Caddy and print its path (no Docker needed; the
#                              scale-out test, tests/scale/, runs it on loopback)
#
# No image can be pulled here, so the base images are made locally: a Debian root file system
# (debootstrap) imported with `docker import`, plus Node 24 from the npm registry's node package
# (tagged node:24-slim, the base the Dockerfile names), FerretDB for MongoDB, Debian's Redis, and
# the Caddy built from the Go module proxy. GitHub CI pulls the official images instead.
set -euo pipefail

CACHE="${GROUNDWORK_CACHE:-$HOME/.cache/groundwork}"
BIN="$CACHE/bin"
DOCKER_HOME="$CACHE/docker"
RUN="$DOCKER_HOME/run"
COMPOSE_VERSION=v2.40.3
CADDY_VERSION=v2.11.9
NPM_MAJOR=11
SUITE=bookworm
NODE_DIR="$CACHE/node24/node_modules/node/bin"
# Debian's CLI (20.10) talks BuildKit without the buildx plugin; another docker on the PATH may not.
DOCKER="${GROUNDWORK_DOCKER:-/usr/bin/docker}"

LOG_TAG=docker
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_compose() {
  local plugin="$DOCKER_HOME/cli-plugins/docker-compose"
  if ! { [ -x "$plugin" ] && "$plugin" version 2>/dev/null | grep -q "$COMPOSE_VERSION"; }; then
    need go "install Go to build Docker Compose"
    log "building Docker Compose $COMPOSE_VERSION (a few minutes the first time)"
    # `go install` refuses the module (it has replace/exclude directives): build a copy instead.
    local src="$CACHE/src/compose-$COMPOSE_VERSION"
    go_module_source "github.com/docker/compose/v2@$COMPOSE_VERSION" "$src"
    mkdir -p "$(dirname "$plugin")"
    (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o "$plugin" ./cmd)
  fi
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$plugin" "$HOME/.docker/cli-plugins/docker-compose"
}

install_caddy() {
  # `caddy version` says "unknown" for a module-proxy build, so a marker file records the version.
  if [ -x "$BIN/caddy" ] && [ "$(cat "$BIN/caddy.version" 2>/dev/null)" = "$CADDY_VERSION" ]; then return 0; fi
  need go "install Go to build Caddy"
  log "building Caddy $CADDY_VERSION (about a minute the first time)"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/caddyserver/caddy/v2/cmd/caddy@$CADDY_VERSION"
  echo "$CADDY_VERSION" >"$BIN/caddy.version"
}

install_npm() {
  if [ -x "$DOCKER_HOME/npm/node_modules/npm/bin/npm-cli.js" ]; then return 0; fi
  log "fetching npm $NPM_MAJOR for the node image"
  mkdir -p "$DOCKER_HOME/npm"
  npm install --silent --no-save --prefix "$DOCKER_HOME/npm" "npm@$NPM_MAJOR" >/dev/null 2>&1
}

docker_running() { "$DOCKER" info >/dev/null 2>&1; }

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# Builds an image from a Dockerfile given on stdin and a context folder.
build_image() {
  local tag=$1 context=$2
  log "building $tag"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$tag" -f - "$context" >/dev/null
}

build_images() {
  docker_running || die "dockerd is not running: scripts/docker.sh start"
  local base="groundwork-local/debian:$SUITE" ctx="$DOCKER_HOME/context"
  if ! image_exists "$base"; then
    local rootfs="$DOCKER_HOME/rootfs-$SUITE"
    log "making a Debian $SUITE root file system with debootstrap (a few minutes the first time)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=ca-certificates,redis-server,tzdata \
      "$SUITE" "$rootfs" http://deb.debian.org/debian >"$RUN/debootstrap.log" 2>&1 \
      || die "debootstrap failed (log: $RUN/debootstrap.log)"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | "$DOCKER" import - "$base" >/dev/null
    rm -rf "$rootfs"
  fi
  rm -rf "$ctx" && mkdir -p "$ctx"
  if ! image_exists node:24-slim; then
    cp "$NODE_DIR/node" "$ctx/node"
    cp -r "$DOCKER_HOME/npm/node_modules/npm" "$ctx/npm"
    # The machine's trust store: where an egress proxy re-signs TLS, npm ci in the build must
    # trust what the machine trusts (Node reads the extra certificates from NODE_EXTRA_CA_CERTS).
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
    build_image node:24-slim "$ctx" <<EOF
FROM $base
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home node
CMD ["node"]
EOF
  fi
  if ! image_exists groundwork-local/mongo:ferretdb; then
    [ -x "$BIN/ferretdb" ] || die "FerretDB is not installed: run scripts/services.sh install"
    cp "$BIN/ferretdb" "$ctx/ferretdb"
    build_image groundwork-local/mongo:ferretdb "$ctx" <<EOF
FROM $base
COPY ferretdb /usr/local/bin/ferretdb
RUN mkdir -p /data/db /state
EXPOSE 27017
CMD ["ferretdb", "--handler=sqlite", "--sqlite-url=file:/data/db/", "--listen-addr=:27017", \
  "--state-dir=/state", "--debug-addr=-", "--telemetry=disable", "--log-level=warn"]
EOF
  fi
  if ! image_exists groundwork-local/redis:7; then
    # The official image turns protected mode off (the network is the boundary); so does this one.
    build_image groundwork-local/redis:7 "$ctx" <<EOF
FROM $base
RUN mkdir -p /data && printf '#!/bin/sh\nif [ "\$1" = redis-server ]; then shift; exec redis-server --protected-mode no "\$@"; fi\nexec "\$@"\n' > /usr/local/bin/entrypoint && chmod +x /usr/local/bin/entrypoint
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/entrypoint"]
CMD ["redis-server"]
EOF
  fi
  if ! image_exists groundwork-local/caddy:2; then
    cp "$BIN/caddy" "$ctx/caddy"
    build_image groundwork-local/caddy:2 "$ctx" <<EOF
FROM $base
COPY caddy /usr/bin/caddy
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
RUN mkdir -p /config/caddy /data/caddy /etc/caddy /srv
EXPOSE 80 443 443/udp 2019
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
EOF
  fi
  rm -rf "$ctx"
}

cmd_install() {
  mkdir -p "$BIN" "$RUN"
  apt_install docker.io debootstrap openssh-server openssh-client docker-registry curl util-linux
  install_npm
  install_caddy
  install_compose
  local started=0
  if ! docker_running; then cmd_start; started=1; fi
  build_images
  if [ "$started" -eq 1 ]; then cmd_stop; fi
  log "installed"
}

cmd_start() {
  mkdir -p "$RUN" "$DOCKER_HOME/data"
  if docker_running; then
    log "dockerd already running"
  else
    need dockerd "run scripts/docker.sh install"
    [ "$(id -u)" -eq 0 ] || die "dockerd needs root"
    nohup dockerd --storage-driver=overlay2 --data-root="$DOCKER_HOME/data" \
      --exec-root="$RUN/exec" --pidfile="$RUN/dockerd.pid" >"$RUN/dockerd.log" 2>&1 &
    for _ in $(seq 1 150); do docker_running && break; sleep 0.2; done
    docker_running || die "dockerd did not start (log: $RUN/dockerd.log)"
    log "dockerd started"
  fi
}

stop_pid() {
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    log "stopped $name"
  fi
  rm -f "$file"
}

cmd_stop() {
  if [ -f "$RUN/dockerd.pid" ]; then
    # Containers stop with dockerd; their images and volumes stay in the cache.
    "$DOCKER" ps -q | xargs -r "$DOCKER" stop -t 5 >/dev/null 2>&1 || true
    stop_pid "$RUN/dockerd.pid" dockerd
  fi
}

cmd_env() {
  cat <<ENV
export GROUNDWORK_DOCKER="$DOCKER"
export MONGO_IMAGE="groundwork-local/mongo:ferretdb"
export REDIS_IMAGE="groundwork-local/redis:7"
export CADDY_IMAGE="groundwork-local/caddy:2"
ENV
}

case "${1:-}" in
  install) cmd_install ;;
  images) build_images ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  caddy) mkdir -p "$BIN" && install_caddy && echo "$BIN/caddy" ;;
  *) die "unknown command '${1:-}' (use: install, start, stop, env, caddy)" ;;
esac
