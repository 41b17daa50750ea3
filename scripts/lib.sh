# shellcheck shell=bash
# Helpers shared by scripts/services.sh and scripts/docker.sh (sourced, not run). The sourcing
# script sets LOG_TAG first; messages go to stderr so that stdout stays the script's output.
log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required: $2"; }

# Installs the Debian packages that are missing, or says exactly what to install where it cannot.
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install ${missing[*]} with your package manager"
  [ "$(id -u)" -eq 0 ] || die "install ${missing[*]} with your package manager (needs root here)"
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  # No init system runs here: the packages' services (sshd, registry) are started by the scripts.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Copies a module's source from the Go module proxy to $2, writable, for the builds that
# `go install module@version` refuses (replace directives, a missing generated file).
go_module_source() {
  local module=$1 dest=$2 dir
  dir=$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download $module from the Go module proxy"
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")"
  cp -r "$dir" "$dest" && chmod -R u+w "$dest"
}
