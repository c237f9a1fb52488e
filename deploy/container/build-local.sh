#!/usr/bin/env bash
# Build (and with --smoke, run and check) the Dockerfile's image on a machine with no Docker
# engine and no registry access, from Debian's own packages only:
#   debootstrap  -> a bookworm root filesystem with python3, venv, libmagic1 (the stand-in for
#                   python:3.11-slim-bookworm, which cannot be pulled here), imported as
#                   localhost/debian-python:bookworm;
#   podman build -> the unchanged Dockerfile on that base (--build-arg PYTHON_IMAGE=...).
# Needs root and the Debian packages podman, runc, debootstrap, curl
# (`scripts/bootstrap.sh --system` installs them). tests/deploy/test_image.py runs it in CI.
#   deploy/container/build-local.sh [--smoke]   # first run ~5 min, then ~1.5 min (base cached)
# Everything lives under $SLUICEGATE_IMAGE_WORK (default /var/tmp/sluicegate-image): podman's
# own storage root, so it never touches another podman store on the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${SLUICEGATE_IMAGE_WORK:-/var/tmp/sluicegate-image}
base=localhost/debian-python:bookworm
tag=localhost/sluicegate:$(python3 -c 'import re,sys; print(re.search(r"__version__ = \"(.+)\"", open("sluicegate/__init__.py").read())[1])')
podman=(podman --root "$work/storage" --runroot "$work/run" --storage-driver overlay
        --runtime runc --cgroup-manager cgroupfs)
mkdir -p "$work"
exec 9>"$work/lock" && flock 9          # one build at a time per work folder

if ! "${podman[@]}" image exists "$base"; then
    if [ ! -x "$work/rootfs/usr/bin/python3" ]; then
        rm -rf "$work/rootfs"
        debootstrap --variant=minbase \
            --include=python3,python3-venv,python-is-python3,libmagic1,ca-certificates \
            bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
        rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb
    fi
    # This machine's trust store: egress TLS may be re-signed by a local CA that Debian's
    # bundle does not know, and pip inside the build must reach the package index.
    cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
    tar -C "$work/rootfs" -c . | "${podman[@]}" import \
        --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt" --change "ENV LANG=C.UTF-8" \
        - "$base" >/dev/null
fi

"${podman[@]}" build --format docker --isolation chroot --network host --pull=never \
    --build-arg PYTHON_IMAGE="$base" -t "$tag" . >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; exit 1; }
"${podman[@]}" image prune -f >/dev/null 2>&1 || true   # earlier builds' layers
echo "built $tag"
[ "${1:-}" = "--smoke" ] || exit 0

# Run it as a user would: read-only root, tmpfs /tmp, nothing mounted (the built-in config).
port=${SMOKE_PORT:-18080}; admin=${SMOKE_ADMIN_PORT:-19901}; name=sluicegate-smoke-$$
cleanup() { "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"${podman[@]}" run -d --name "$name" --read-only --tmpfs /tmp --network host \
    --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
    -e SLUICEGATE_LISTEN="127.0.0.1:$port" -e SLUICEGATE_ADMIN_LISTEN="127.0.0.1:$admin" \
    "$tag" >/dev/null
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$admin/-/ready" >/dev/null 2>&1 && break
    sleep 0.2
done
fail() { echo "smoke: $*" >&2; "${podman[@]}" logs "$name" >&2 || true; exit 1; }
reply=$(curl -fsS "http://127.0.0.1:$port/v1/chat/completions" -H 'content-type: application/json' \
    -d '{"model": "chat-fast", "messages": [{"role": "user", "content": "Hello"}]}') \
    || fail "no answer to the chat completion"
case "$reply" in *"You said: Hello"*) ;; *) fail "unexpected reply: $reply" ;; esac
[ "$("${podman[@]}" exec "$name" id -u)" = 10001 ] || fail "not running as uid 10001"
"${podman[@]}" exec "$name" sh -c 'touch /etc/sluicegate/x' 2>/dev/null && fail "root fs is writable"
mapfile -t health < <("${podman[@]}" image inspect "$tag" \
    --format '{{range .HealthCheck.Test}}{{println .}}{{end}}' 2>/dev/null)
[ "${health[0]:-}" = CMD ] || fail "the image has no exec-form HEALTHCHECK"
"${podman[@]}" exec "$name" "${health[@]:1}" || fail "HEALTHCHECK command failed"
pid1=$("${podman[@]}" exec "$name" cat /proc/1/cmdline | tr '\0' ' ')
case "$pid1" in *"sluicegate serve"*) ;; *) fail "PID 1 is not the gateway: $pid1" ;; esac
"${podman[@]}" kill --signal HUP "$name" >/dev/null
for _ in $(seq 1 50); do
    "${podman[@]}" logs "$name" 2>&1 | grep -q '"msg":"reloaded"' && break
    sleep 0.2
done
"${podman[@]}" logs "$name" 2>&1 | grep -q '"msg":"reloaded"' || fail "SIGHUP did not reload"
"${podman[@]}" stop -t 40 "$name" >/dev/null
code=$("${podman[@]}" inspect "$name" --format '{{.State.ExitCode}}')
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
echo "smoke: $tag answered as uid 10001 on a read-only root, HEALTHCHECK ok, PID 1 is the gateway, keys store in /var/lib/sluicegate, SIGHUP reloaded, SIGTERM exited 0"
