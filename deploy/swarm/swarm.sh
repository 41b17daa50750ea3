#!/usr/bin/env bash
# The deploy script that runs on a Swarm manager (docs/decisions/0142): the Swarm counterpart of
# deploy/host.sh, with the same calling convention. It needs Docker in swarm mode, bash, flock and
# sha256sum; no Node. `npm run deploy -- --target swarm` and the deploy workflow (target swarm)
# upload it with stack.yml, stack.single-node.yml, upstream.caddy and caddy/Caddyfile, then run it:
#
#   swarm.sh deploy <version> <image>   update the stack to <image> (a digest reference)
#   swarm.sh rollback [<version>]       deploy a version deployed before again (default: the
#                                       previous one), by its recorded image digest
#   swarm.sh status                     services, tasks, the last audit lines
#
# With --remote, standard input carries a byte count line and that many bytes of .env.production
# (0 keeps the file), then stays open: when it closes the script stops (as host.sh does).
#
# Swarm does the rolling: each new app task starts beside the old ones, must pass its healthcheck
# and stay healthy for the monitor period, and a failure rolls the service back by itself. This
# script waits for that to end and reports it: "ok" when the update completed, "rolled-back" (exit
# 1) when Swarm rolled it back.
set -euo pipefail
umask 077

DIR=$(cd "$(dirname "$0")" && pwd)
cd "$DIR"
STATE="$DIR/.deploy"
START_TIME=$(date +%s)
LIFELINE=

log() { printf '[swarm] %s\n' "$*" >&2; }
die() { printf '[swarm] error: %s\n' "$*" >&2; exit 1; }

# Host settings (not secrets) live in .env; the environment wins.
setting() {
  local name=$1 default=$2 value
  value=$(printenv "$name" || true)
  if [ -z "$value" ] && [ -f "$DIR/.env" ]; then
    value=$(sed -n "s/^$name=//p" "$DIR/.env" | tail -n 1)
    value=${value#\"} && value=${value%\"}
  fi
  printf '%s' "${value:-$default}"
}

STACK=$(setting SWARM_STACK groundwork)
COMPOSE_FILES=$(setting SWARM_COMPOSE_FILES stack.yml)
UPDATE_TIMEOUT=$(setting DEPLOY_UPDATE_TIMEOUT 600)
for name in DOMAIN CADDY_TLS CADDY_IMAGE MONGO_IMAGE REDIS_IMAGE APP_REPLICAS WORKER_REPLICAS; do
  value=$(setting "$name" '')
  if [ -n "$value" ]; then export "$name=$value"; fi
done

read_state() { if [ -f "$STATE/$1" ]; then cat "$STATE/$1"; fi; }
write_state() { printf '%s\n' "$2" >"$STATE/$1.tmp" && mv "$STATE/$1.tmp" "$STATE/$1"; }

audit() {
  printf '%s\t%s\tswarm %s\t%s\t%s\t%ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SUDO_USER:-$(id -un)}" \
    "$1" "$2" "$3" "$(($(date +%s) - START_TIME))" >>"$STATE/audit.log"
}

# The one line the callers parse, as host.sh prints it.
result() {
  printf 'result: action=%s version=%s outcome=%s seconds=%s\n' "$1" "$2" "$3" "$(($(date +%s) - START_TIME))"
}

valid_version() { [[ $1 =~ ^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$ ]] || die "not a version: '$1'"; }

take_lock() {
  exec 9>"$STATE/lock"
  flock -n 9 || die "another deploy is running on this manager; try again when it ends"
}

on_exit() {
  local status=$?
  if [ -n "$LIFELINE" ]; then kill "$LIFELINE" 2>/dev/null || true; fi
  return "$status"
}
trap on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

read_remote_input() {
  local size file="$DIR/.env.production"
  IFS= read -r size || die "--remote: no input (expected a byte count line)"
  [[ $size =~ ^[0-9]+$ ]] || die "--remote: the first input line must be a byte count"
  if [ "$size" -gt 0 ]; then
    head -c "$size" >"$file.tmp"
    [ "$(wc -c <"$file.tmp")" -eq "$size" ] || { rm -f "$file.tmp"; die "--remote: the settings were cut short"; }
    mv "$file.tmp" "$file"
  fi
  (while IFS= read -r _; do :; done; kill -TERM "$$" 2>/dev/null) <&0 9>&- &
  LIFELINE=$!
}

# Configs and secrets cannot change in Swarm: each content gets its own name (its digest), so a
# changed file makes a new one and rolls the services that use it.
digest_name() { printf '%s_%s_%s' "$STACK" "$1" "$(sha256sum "$2" | cut -c1-12)"; }

stack_deploy() {
  local image=$1 files=() file
  [ -f "$DIR/.env.production" ] || die "no .env.production here: send it once (DEPLOY_ENV_FILE)"
  IFS=: read -r -a files <<<"$COMPOSE_FILES"
  local args=()
  for file in "${files[@]}"; do args+=(--compose-file "$file"); done
  APP_IMAGE=$image \
    STACK_ENV_SECRET=$(digest_name env "$DIR/.env.production") \
    STACK_CADDYFILE=$(digest_name caddyfile "$DIR/caddy/Caddyfile") \
    STACK_UPSTREAM=$(digest_name upstream "$DIR/upstream.caddy") \
    docker stack deploy --with-registry-auth --prune "${args[@]}" "$STACK" 9>&-
}


# A service's spec version (empty when it does not exist), before and after `stack deploy`.
spec_index() { docker service inspect --format '{{.Version.Index}}' "${STACK}_$1" 2>/dev/null || true; }

# One service's progress since `since` (epoch seconds): finished, rolled-back, paused or pending.
# Swarm starts an update after `stack deploy` returns, so an update status older than `since`
# belongs to an earlier deploy; a new service has finished when all its replicas run.
service_progress() {
  local service="${STACK}_$1" before=$2 since=$3 status replicas
  if [ -z "$before" ]; then
    replicas=$(docker service ls --filter "name=$service" --format '{{.Replicas}}' | head -n 1)
    replicas=${replicas%% *}
    if [ -n "$replicas" ] && [ "${replicas%/*}" = "${replicas#*/}" ]; then echo finished; else echo pending; fi
    return
  fi
  [ "$(spec_index "$1")" != "$before" ] || { echo finished; return; }
  status=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.StartedAt.Unix}} {{.UpdateStatus.State}}{{end}}' "$service")
  if [ -z "$status" ] || [ "${status%% *}" -lt "$since" ]; then echo pending; return; fi
  case "${status#* }" in
    completed) echo finished ;;
    rollback_completed) echo rolled-back ;;
    paused | rollback_paused) echo paused ;;
    *) echo pending ;;
  esac
}

# Waits until the app's and the worker's updates have ended; prints ok, rolled-back, paused or
# timeout. `app_before` and `worker_before` are their spec versions before the deploy.
wait_converged() {
  local app_before=$1 worker_before=$2 since=$3 deadline=$(($(date +%s) + UPDATE_TIMEOUT))
  local app worker
  while :; do
    app=$(service_progress app "$app_before" "$since")
    worker=finished
    if [ -n "$worker_before" ] || docker service inspect "${STACK}_worker" >/dev/null 2>&1; then
      worker=$(service_progress worker "$worker_before" "$since")
    fi
    if [ "$app" = rolled-back ] || [ "$worker" = rolled-back ]; then
      if [ "$app" != pending ] && [ "$worker" != pending ]; then echo rolled-back; return; fi
    elif [ "$app" = paused ] || [ "$worker" = paused ]; then
      echo paused; return
    elif [ "$app" = finished ] && [ "$worker" = finished ]; then
      echo ok; return
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { echo timeout; return; }
    sleep 2
  done
}

record_release() {
  local version=$1 image=$2
  grep -v "^$version	" "$STATE/releases" 2>/dev/null >"$STATE/releases.tmp" || true
  printf '%s\t%s\n' "$version" "$image" >>"$STATE/releases.tmp"
  mv "$STATE/releases.tmp" "$STATE/releases"
  if [ "$(read_state current)" != "$version" ]; then
    write_state previous "$(read_state current)"
    write_state current "$version"
  fi
}

release() {
  local action=$1 version=$2 image=$3 outcome app worker since
  log "$action $version ($image) to stack $STACK"
  app=$(spec_index app) && worker=$(spec_index worker) && since=$(date +%s)
  stack_deploy "$image"
  outcome=$(wait_converged "$app" "$worker" "$since")
  audit "$action" "$version" "$outcome"
  result "$action" "$version" "$outcome"
  case "$outcome" in
    ok) record_release "$version" "$image" ;;
    rolled-back) die "version $version failed its health checks: Swarm rolled it back; $(read_state current) still serves" ;;
    *) die "the update of version $version did not finish ($outcome): see swarm.sh status" ;;
  esac
}

cmd_deploy() {
  local version=${1:-} image=${2:-}
  if [ -z "$version" ] || [ -z "$image" ]; then die "usage: swarm.sh deploy <version> <image@sha256:digest>"; fi
  valid_version "$version"
  take_lock
  release deploy "$version" "$image"
}

# Deploys a recorded version's image again. Not `docker service rollback`: that returns to the
# service's previous spec, which after an automatic rollback is the version that failed.
cmd_rollback() {
  local version=${1:-} image
  take_lock
  [ -n "$version" ] || version=$(read_state previous)
  [ -n "$version" ] || die "no previous version recorded; name one: swarm.sh rollback <version>"
  valid_version "$version"
  image=$(sed -n "s/^$version	//p" "$STATE/releases" 2>/dev/null | tail -n 1)
  [ -n "$image" ] || die "version $version was never deployed here (deployed: $(cut -f1 "$STATE/releases" 2>/dev/null | tr '\n' ' '))"
  release rollback "$version" "$image"
}

cmd_status() {
  printf 'stack:    %s (%s)\n' "$STACK" "$DIR"
  printf 'current:  %s\n' "$(read_state current)"
  printf 'previous: %s\n\n' "$(read_state previous)"
  docker stack services "$STACK"
  printf '\n'
  docker stack ps --filter desired-state=running "$STACK"
  printf '\nlast deploys:\n'
  tail -n 5 "$STATE/audit.log" 2>/dev/null | sed 's/^/  /' || true
}

main() {
  local remote=0 args=()
  for arg in "$@"; do
    if [ "$arg" = --remote ]; then remote=1; else args+=("$arg"); fi
  done
  set -- "${args[@]}"
  command -v docker >/dev/null || die "docker is not installed on this host"
  [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] \
    || die "this host is not a Swarm manager (docker swarm init, or join it as a manager)"
  mkdir -p "$STATE"
  if [ "$remote" -eq 1 ]; then read_remote_input; fi
  local command=${1:-}
  shift || true
  case "$command" in
    deploy) cmd_deploy "$@" ;;
    rollback) cmd_rollback "$@" ;;
    status) cmd_status ;;
    *) die "unknown command '$command' (use: deploy <version> <image>, rollback [<version>], status)" ;;
  esac
}

main "$@"
