#!/usr/bin/env bash
# The deploy script that runs on the host (docs/decisions/0050). It needs Docker with the Compose
# plugin, bash, curl and flock; no Node. `npm run deploy`, `rollback`, `deploy:status` and the
# deploy workflow upload it with compose.prod.yml and caddy/Caddyfile, then run it over SSH:
#
#   host.sh deploy <version> <image>   start <image> (a digest reference) as <version>, switch to it
#   host.sh rollback [<version>]       switch back to a kept version (default: the previous one)
#   host.sh status                     what runs, what is kept, the last audit lines
#   host.sh backup                     back up the database to backups/ (gzip, sha256, retention)
#   host.sh restore <file>             restore a backup from backups/ (checksum verified first)
#
# With --remote (how the deploy commands call it over SSH), standard input carries a line with a
# byte count and that many bytes of .env.production (0 keeps the file; secrets never appear on a
# command line), then stays open: when it closes (the SSH connection died) the deploy stops, cleans
# up and releases the lock.
#
# Blue/green on one host: the new version starts beside the old one with no published port, must
# answer /health/ready several times in a row, then Caddy is reloaded to send traffic to it, the
# public URL must identify the new version, and only then is the old one drained and stopped. A
# failure before the switch removes the new container; a failure after it switches back.
set -euo pipefail
umask 077

DIR=$(cd "$(dirname "$0")" && pwd)
# Compose resolves COMPOSE_FILE's relative paths from the working directory.
cd "$DIR"
STATE="$DIR/.deploy"
HEALTH_PASSES=3
# Health probes and the public check poll this often: a deploy waits no longer than it must.
POLL_SECONDS=0.5
# How long a deploy waits for the last one to finish stopping the version it replaced (its stop
# grace period, 30 s, plus the drain and a margin).
FINISH_TIMEOUT=90
CADDY=
REPLACED=
START_TIME=$(date +%s)
START_MS=$(($(date +%s%N) / 1000000))
CLEANUP=()
LIFELINE=
SWITCH_MS=

# Each line says how long the run has taken so far: where a deploy spends its time shows in its log.
elapsed() {
  local ms=$(($(date +%s%N) / 1000000 - START_MS))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}
log() { printf '[deploy %s] %s\n' "$(elapsed)" "$*" >&2; }
error() { printf '[deploy] error: %s\n' "$*" >&2; }
die() { error "$@"; exit 1; }

# Host settings (not secrets) live in .env, which Compose reads too; the environment wins.
setting() {
  local name=$1 default=$2 value
  value=$(printenv "$name" || true)
  if [ -z "$value" ] && [ -f "$DIR/.env" ]; then
    value=$(sed -n "s/^$name=//p" "$DIR/.env" | tail -n 1)
    value=${value#\"} && value=${value%\"}
  fi
  printf '%s' "${value:-$default}"
}

HEALTH_TIMEOUT=$(setting DEPLOY_HEALTH_TIMEOUT 90)
CHECK_TIMEOUT=$(setting DEPLOY_CHECK_TIMEOUT 20)
DRAIN_SECONDS=$(setting DEPLOY_DRAIN_SECONDS 2)
KEEP=$(setting DEPLOY_KEEP 3)
BACKUP_KEEP=$(setting DEPLOY_BACKUP_KEEP 14)
BACKUP_BEFORE_DEPLOY=$(setting DEPLOY_BACKUP_BEFORE_DEPLOY no)
CHECK_ADDRESS=$(setting DEPLOY_CHECK_ADDRESS 127.0.0.1)

COMPOSE_FILE=$(setting COMPOSE_FILE compose.prod.yml)
export COMPOSE_FILE
compose() { docker compose --project-directory "$DIR" "$@"; }

# --- state: current/previous version, kept releases, audit log ----------------------------------

read_state() { if [ -f "$STATE/$1" ]; then cat "$STATE/$1"; fi; }

write_state() {
  printf '%s\n' "$2" >"$STATE/$1.tmp" && mv "$STATE/$1.tmp" "$STATE/$1"
}

audit() {
  local action=$1 version=$2 outcome=$3
  printf '%s\t%s\t%s\t%s\t%s\t%ss\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SUDO_USER:-$(id -un)}" \
    "$action" "$version" "$outcome" "$(($(date +%s) - START_TIME))" "${4:-}" >>"$STATE/audit.log"
}

# The one line the callers parse (workflow summary, chat notification, npm run deploy).
result() {
  printf 'result: action=%s version=%s outcome=%s seconds=%s%s\n' "$1" "$2" "$3" \
    "$(($(date +%s) - START_TIME))" "${SWITCH_MS:+ switch_ms=$SWITCH_MS}"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

valid_version() { [[ $1 =~ ^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$ ]] || die "not a version: '$1'"; }

local_image() { printf '%s-release:%s' "$PROJECT" "${1//+/_}"; }

# Under a lock that the kernel releases when this process dies (a killed deploy leaves no stale
# lock). The descriptor is closed for the commands that outlive the script.
take_lock() {
  local info
  exec 9>"$STATE/lock"
  if ! flock -n 9; then
    info=$(read_state lock.info)
    # The last deploy already switched and is only stopping what it replaced: wait for it.
    if [[ $info == finishing* ]]; then
      log "waiting for the last deploy to finish ($info)"
      interruptible flock -w "$FINISH_TIMEOUT" 9 || die "the last deploy is still finishing after ${FINISH_TIMEOUT}s ($info)"
    else
      die "another deploy is running on this host (started: $info); try again when it ends"
    fi
  fi
  printf '%s by %s (pid %s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SUDO_USER:-$(id -un)}" "$$" >"$STATE/lock.info"
}

on_exit() {
  local status=$? item
  if [ -n "$LIFELINE" ]; then kill "$LIFELINE" 2>/dev/null || true; fi
  for item in "${CLEANUP[@]}"; do
    if [ -n "$item" ]; then docker rm -f "$item" >/dev/null 2>&1 || true; fi
  done
  return "$status"
}
trap on_exit EXIT
# Bash runs a trap only once the foreground command ends: long waits (the health gate, a pull, the
# lock) run in the background and are waited for, so a dead connection stops them at once.
interruptible() {
  "$@" &
  wait $!
}
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- containers ----------------------------------------------------------------------------------

# The services compose.prod.yml defines (read once: each Compose call costs a fraction of a second).
SERVICES=
# (Not `compose config | grep -q`: under pipefail, grep quitting early can fail the pipeline.)
has_service() {
  if [ -z "$SERVICES" ]; then
    SERVICES=$(compose --profile release config --services 9>&-) || die "docker compose cannot read $COMPOSE_FILE"
  fi
  grep -qx "$1" <<<"$SERVICES"
}

running() {
  docker ps --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}'
}

# One-off containers of the compose service: compose.prod.yml stays the one description of how
# the app runs (env files, network, init, stop grace period); no published port.
container_name() { printf '%s-%s-%s-%s' "$PROJECT" "$1" "${2//+/_}" "$(date +%s)"; }

start_container() {
  local service=$1 name=$2 version=$3 image=$4
  APP_IMAGE=$image compose run -d --no-deps --name "$name" \
    --label "groundwork.version=$version" "$service" >/dev/null 9>&-
  docker update --restart unless-stopped "$name" >/dev/null
}

# The readiness gate, run inside the new container by the image's own Node (no published port, no
# curl in the image): polls /health/ready every 250 ms and exits 0 after <passes> answers of 200 in
# a row, 1 at <seconds>. One process for the whole wait, not one per probe: on a busy host, starting
# Node costs more than the probe.
READY_PROBE='const [passes, seconds] = process.argv.slice(1).map(Number);
const deadline = Date.now() + seconds * 1000;
for (let ok = 0; ; ) {
  const ready = await fetch("http://127.0.0.1:3000/health/ready", { signal: AbortSignal.timeout(2000) })
    .then((r) => r.status === 200, () => false);
  ok = ready ? ok + 1 : 0;
  if (ok >= passes) process.exit(0);
  if (Date.now() > deadline) process.exit(1);
  await new Promise((resolve) => setTimeout(resolve, 250));
}'

wait_ready() {
  local name=$1
  interruptible docker exec "$name" node --input-type=module -e "$READY_PROBE" "$HEALTH_PASSES" "$HEALTH_TIMEOUT" \
    >/dev/null 2>&1 && return 0
  # The probe also ends when the container stops (or restarts after a crash).
  if [ "$(docker inspect -f '{{.State.Running}} {{.RestartCount}}' "$name" 2>/dev/null)" != "true 0" ]; then
    log "the new container stopped; its last log lines:"
  else
    log "no $HEALTH_PASSES answers of 200 from /health/ready in a row within ${HEALTH_TIMEOUT}s; last log lines:"
  fi
  docker logs --tail 20 "$name" >&2 2>&1 || true
  return 1
}

# --- Caddy -----------------------------------------------------------------------------------------

upstream_of() {
  sed -n 's/^reverse_proxy \([^ ]*\):3000.*/\1/p' "$DIR/caddy/upstream.caddy" 2>/dev/null || true
}

write_upstream() {
  local file="$DIR/caddy/upstream.caddy"
  if [ -z "$1" ]; then
    printf 'respond "No version is deployed yet." 503\n' >"$file.tmp"
  else
    # lb_try_duration: a request that meets a closing connection is retried, not failed.
    # stream_close_delay: a reload keeps WebSockets open instead of cutting them.
    printf 'reverse_proxy %s:3000 {\n\tlb_try_duration 10s\n\tstream_close_delay 5m\n}\n' "$1" >"$file.tmp"
  fi
  chmod 644 "$file.tmp"
  mv "$file.tmp" "$file"
}

# `caddy reload` adapts and validates the new configuration first; Caddy keeps the old one when
# it is invalid.
reload_caddy() {
  docker exec "$CADDY" caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile >/dev/null 2>&1
}

switch_to() {
  local before
  before=$(upstream_of)
  write_upstream "$1"
  if ! reload_caddy; then
    write_upstream "$before"
    return 1
  fi
}

# What the public check needs from Caddy, read before the switch so that it does not lengthen it.
DOMAIN=
CACERT=()
prepare_public_check() {
  DOMAIN=$(docker exec "$CADDY" printenv DOMAIN)
  if [ "$(setting CADDY_TLS '')" = "tls internal" ]; then
    docker exec "$CADDY" cat /data/caddy/pki/authorities/local/root.crt >"$STATE/local-ca.crt"
    CACERT=(--cacert "$STATE/local-ca.crt")
  fi
}

public_check() {
  local version=$1 domain=$DOMAIN cacert=("${CACERT[@]}") deadline body
  deadline=$(($(date +%s) + CHECK_TIMEOUT))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    body=$(curl -fsS --max-time 3 "${cacert[@]}" --resolve "$domain:443:$CHECK_ADDRESS" \
      "https://$domain/health" 2>/dev/null || true)
    if [[ $body == *"\"version\":\"$version\""* ]]; then return 0; fi
    sleep "$POLL_SECONDS"
  done
  log "https://$domain/health did not answer as version $version within ${CHECK_TIMEOUT}s (answer: ${body:-none})"
  return 1
}

# A deploy brings Caddy and the databases up to date with compose.prod.yml (`compose up` changes
# nothing that matches it). A rollback only needs them running: when they all are, it skips that
# (a second or two of Compose) and leaves any change to the next deploy.
ensure_stack() {
  local action=$1
  mkdir -p "$DIR/caddy"
  [ -f "$DIR/caddy/upstream.caddy" ] || write_upstream ""
  [ -f "$DIR/.env.production" ] || die "$DIR/.env.production is missing: send it once (DEPLOY_ENV_FILE, README \"Deploy\")"
  local services=(caddy mongo)
  has_service redis && services+=(redis)
  if [ "$action" = rollback ] && stack_running "${services[@]}"; then
    CADDY=$(running caddy)
    return 0
  fi
  log "starting ${services[*]} (when not running)"
  interruptible compose up -d --wait "${services[@]}" >/dev/null 2>&1 9>&- || {
    compose ps -a >&2 9>&-
    die "the stack did not start (see docker compose logs)"
  }
  CADDY=$(compose ps -q caddy 9>&-)
}

# True when each service has one running container that is not unhealthy or still starting.
stack_running() {
  local service states
  states=$(docker ps --filter "label=com.docker.compose.project=$PROJECT" \
    --format '{{.Label "com.docker.compose.service"}} {{.Status}}')
  for service in "$@"; do
    [ "$(grep "^$service Up" <<<"$states" | grep -cv '(unhealthy)\|(health: starting)')" -eq 1 ] || return 1
  done
}

# --- commands --------------------------------------------------------------------------------------

# Switches traffic to <image> as <version>; the heart of deploy and rollback. Returns once the
# public URL serves the new version and the state is recorded; stopping what it replaced is left
# to `finish_later`.
release() {
  local action=$1 version=$2 image=$3 old new
  old=$(upstream_of)
  log "starting $version beside ${old:-nothing}"
  new=$(container_name app "$version")
  # Named before it starts, so that a run stopped meanwhile removes it too.
  CLEANUP=("$new")
  start_container app "$new" "$version" "$image" || {
    error "could not start $version (docker compose run failed)"
    return 1
  }
  if ! wait_ready "$new"; then
    audit "$action" "$version" failed "not ready"
    result "$action" "$version" failed
    error "$version did not become ready: ${old:-nothing} keeps serving, $version is removed"
    return 1
  fi
  prepare_public_check
  log "$version is ready; switching Caddy to it"
  local switched
  switched=$(now_ms)
  if ! switch_to "$new"; then
    audit "$action" "$version" failed "caddy reload"
    result "$action" "$version" failed
    error "Caddy refused the new configuration: ${old:-nothing} keeps serving"
    return 1
  fi
  if ! public_check "$version"; then
    if [ -n "$old" ]; then switch_to "$old" || log "could not switch back to $old: check Caddy"; fi
    audit "$action" "$version" "switched back" "public check"
    result "$action" "$version" "switched-back"
    error "the public URL did not serve $version: traffic is back on ${old:-nothing}"
    return 1
  fi
  CLEANUP=()
  # From the reload to the public URL answering as the new version.
  SWITCH_MS=$(($(now_ms) - switched))
  log "switched to $version in ${SWITCH_MS} ms"
  local current
  current=$(read_state current)
  if [ -n "$current" ] && [ "$current" != "$version" ]; then write_state previous "$current"; fi
  write_state current "$version"
  audit "$action" "$version" ok "$image"
  REPLACED=$old
}

# The work after a checked switch runs detached, so the command reports as soon as the new
# version serves: the new worker starts, then the old workers finish their active jobs and the old
# app drains and finishes its requests, side by side. It inherits the lock (descriptor 9), so the
# next deploy waits for it; its log is .deploy/finish.log.
finish_later() {
  local action=$1 version=$2 image=$3
  printf 'finishing %s %s since %s (stopping %s)\n' "$action" "$version" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${REPLACED:-nothing}" >"$STATE/lock.info"
  setsid "$DIR/host.sh" finish "$action" "$version" "$image" "$REPLACED" \
    </dev/null >>"$STATE/finish.log" 2>&1 &
  log "stopping ${REPLACED:-nothing} in the background (log: .deploy/finish.log)"
}

stop_containers() {
  [ $# -gt 0 ] || return 0
  # SIGTERM, then the service's stop grace period; removed once stopped.
  docker stop "$@" >/dev/null && docker rm "$@" >/dev/null
}

cmd_finish() {
  local action=$1 version=$2 image=$3 old=${4:-} worker old_workers=() failed=()
  log "finishing $action $version"
  if has_service worker; then
    mapfile -t old_workers < <(running worker)
    # Both run for a moment: jobs are idempotent, and the old one finishes its active jobs. Where
    # the new one cannot start, the old ones keep working the queue.
    worker=$(container_name worker "$version")
    if start_container worker "$worker" "$version" "$image"; then
      log "worker $worker runs $version"
    else
      failed+=("worker did not start")
      old_workers=()
    fi
  fi
  stop_containers "${old_workers[@]}" &
  local workers_stopped=$!
  if [ -n "$old" ]; then
    # Caddy no longer sends it requests; SIGTERM lets those in flight finish.
    sleep "$DRAIN_SECONDS"
    stop_containers "$old" || failed+=("could not stop $old")
  fi
  wait "$workers_stopped" || failed+=("could not stop the old worker")
  if [ "$action" = deploy ]; then prune_images; fi
  if [ ${#failed[@]} -gt 0 ]; then
    audit finish "$version" failed "${failed[*]}"
    die "finishing $version: ${failed[*]}"
  fi
  log "finished $action $version: ${old:-nothing} stopped"
}

keep_image() {
  local version=$1 image=$2 tag
  tag=$(local_image "$version")
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    log "pulling $image"
    interruptible docker pull -q "$image" >/dev/null 9>&- || die "could not pull $image (is the host logged in to the registry?)"
  fi
  # A local tag keeps the image through `docker image prune` and makes rollback registry-free.
  docker tag "$image" "$tag"
}

# Kept releases, oldest first: "<version> <image>" lines (a redeployed version moves to the end).
record_release() {
  grep -v "^$1	" "$STATE/releases" >"$STATE/releases.tmp" 2>/dev/null || true
  printf '%s\t%s\n' "$1" "$2" >>"$STATE/releases.tmp"
  mv "$STATE/releases.tmp" "$STATE/releases"
}

# Keeps the last $KEEP releases' images (and the ones running); never `prune -a`.
prune_images() {
  local count old
  count=$(wc -l <"$STATE/releases")
  [ "$count" -le "$KEEP" ] && return 0
  head -n "$((count - KEEP))" "$STATE/releases" | cut -f1 | while read -r old; do
    [ "$old" = "$(read_state current)" ] || [ "$old" = "$(read_state previous)" ] && continue
    docker image rm "$(local_image "$old")" >/dev/null 2>&1 || true
    grep -v "^$old	" "$STATE/releases" >"$STATE/releases.tmp" || true
    mv "$STATE/releases.tmp" "$STATE/releases"
  done
}

read_remote_input() {
  local size file="$DIR/.env.production"
  IFS= read -r size || die "--remote: no input (expected a byte count line)"
  [[ $size =~ ^[0-9]+$ ]] || die "--remote: the first input line must be a byte count"
  if [ "$size" -gt 0 ]; then
    head -c "$size" >"$file.tmp"
    [ "$(wc -c <"$file.tmp")" -eq "$size" ] || { rm -f "$file.tmp"; die "--remote: the settings were cut short"; }
    chmod 600 "$file.tmp"
    mv "$file.tmp" "$file"
  fi
  # The connection's lifeline: a builtin read loop (no child process) ends when input closes. Bash
  # gives a background command /dev/null as input unless it names one, hence the explicit <&0.
  (while IFS= read -r _; do :; done; kill -TERM "$$" 2>/dev/null) <&0 9>&- &
  LIFELINE=$!
}

cmd_deploy() {
  local version=${1:-} image=${2:-}
  if [ -z "$version" ] || [ -z "$image" ]; then die "usage: host.sh deploy <version> <image@sha256:digest>"; fi
  valid_version "$version"
  take_lock
  ensure_stack deploy
  keep_image "$version" "$image"
  # Before a version that may change data (DEPLOY_BACKUP_BEFORE_DEPLOY=yes), once one is running.
  if [ "$BACKUP_BEFORE_DEPLOY" = yes ] && [ -n "$(read_state current)" ]; then backup; fi
  # (No `set -e` inside release: each of its failures returns 1 after cleaning up.)
  if ! release deploy "$version" "$(local_image "$version")"; then
    # A version that never served is not kept (unless an earlier deploy of it did serve).
    grep -q "^$version	" "$STATE/releases" 2>/dev/null || docker image rm "$(local_image "$version")" >/dev/null 2>&1 || true
    exit 1
  fi
  record_release "$version" "$image"
  finish_later deploy "$version" "$(local_image "$version")"
  result deploy "$version" ok
}

cmd_rollback() {
  local version=${1:-}
  take_lock
  [ -n "$version" ] || version=$(read_state previous)
  [ -n "$version" ] || die "no previous version recorded; name one: host.sh rollback <version>"
  valid_version "$version"
  docker image inspect "$(local_image "$version")" >/dev/null 2>&1 \
    || die "version $version is not kept on this host (kept: $(cut -f1 "$STATE/releases" | tr '\n' ' '))"
  ensure_stack rollback
  release rollback "$version" "$(local_image "$version")" || exit 1
  finish_later rollback "$version" "$(local_image "$version")"
  result rollback "$version" ok
}

# --- backups: the app image's own dump (docs/decisions/0052), run next to the database -----------

run_backup_tool() {
  local current
  current=$(read_state current)
  [ -n "$current" ] || die "nothing is deployed yet: the backup runs in the deployed app's image"
  APP_IMAGE=$(local_image "$current") compose run --rm --no-deps -T app node src/backup.ts "$@" 9>&-
}

backup() {
  local dir="$DIR/backups" name file
  mkdir -p "$dir"
  name="$PROJECT-$(date -u +%Y%m%dT%H%M%SZ).bson.gz"
  file="$dir/$name"
  if ! run_backup_tool dump >"$file.part"; then
    rm -f "$file.part"
    die "the backup failed; earlier backups are untouched"
  fi
  mv "$file.part" "$file"
  (cd "$dir" && sha256sum "$name" >"$name.sha256")
  # Retention: the newest $BACKUP_KEEP backups stay.
  find "$dir" -maxdepth 1 -name "$PROJECT-*.bson.gz" -printf '%f\n' | sort -r | tail -n "+$((BACKUP_KEEP + 1))" |
    while read -r old; do rm -f "$dir/$old" "$dir/$old.sha256"; done
  audit backup "$(read_state current)" ok "$name"
  printf 'backup: %s\n' "$name"
}

cmd_backup() {
  take_lock
  backup
}

cmd_restore() {
  local name=${1:-} dir="$DIR/backups"
  [[ $name =~ ^[A-Za-z0-9._-]+\.bson\.gz$ ]] || die "usage: host.sh restore <name>.bson.gz (kept: $(find "$dir" -maxdepth 1 -name '*.bson.gz' -printf '%f ' 2>/dev/null))"
  [ -f "$dir/$name" ] || die "no backup $name in $dir"
  take_lock
  (cd "$dir" && sha256sum --check --quiet "$name.sha256") || die "$name does not match its checksum: not restored"
  run_backup_tool restore <"$dir/$name" || die "the restore of $name failed"
  audit restore "$(read_state current)" ok "$name"
  printf 'restored: %s\n' "$name"
}

cmd_status() {
  printf 'project:  %s (%s)\n' "$PROJECT" "$DIR"
  printf 'current:  %s\n' "$(read_state current)"
  printf 'previous: %s\n' "$(read_state previous)"
  printf 'serving:  %s\n' "$(upstream_of)"
  printf 'kept:     %s\n' "$(cut -f1 "$STATE/releases" 2>/dev/null | tr '\n' ' ')"
  if flock -n "$STATE/lock" true 2>/dev/null; then
    printf 'lock:     free\n'
  else
    printf 'lock:     held since %s\n' "$(read_state lock.info)"
  fi
  printf '\ncontainers:\n'
  docker ps -a --filter "label=com.docker.compose.project=$PROJECT" \
    --format '  {{.Names}}\t{{.Status}}\t{{.Label "groundwork.version"}}'
  printf '\nbackups:\n'
  find "$DIR/backups" -maxdepth 1 -name '*.bson.gz' -printf '  %f\t%s bytes\n' 2>/dev/null | sort -r | head -n 5 || true
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
  docker compose version >/dev/null 2>&1 || die "the Docker Compose plugin is not installed on this host"
  mkdir -p "$STATE"
  if [ "$remote" -eq 1 ]; then read_remote_input; fi
  # The project name (container and volume prefix) from the first compose file's `name:`.
  PROJECT=$(sed -n 's/^name: *//p' "$DIR/${COMPOSE_FILE%%:*}" 2>/dev/null | head -n 1)
  [ -n "$PROJECT" ] || die "no compose project in $DIR (is ${COMPOSE_FILE%%:*} there?)"
  local command=${1:-}
  shift || true
  case "$command" in
    deploy) cmd_deploy "$@" ;;
    rollback) cmd_rollback "$@" ;;
    status) cmd_status ;;
    backup) cmd_backup ;;
    restore) cmd_restore "$@" ;;
    # Started by finish_later, holding the lock it inherits.
    finish) cmd_finish "$@" ;;
    *) die "unknown command '$command' (use: deploy <version> <image>, rollback [<version>], status, backup, restore <file>)" ;;
  esac
}

main "$@"
