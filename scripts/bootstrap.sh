#!/usr/bin/env bash
# Installs what sluicegate needs on a fresh Debian machine and creates .venv.
#   scripts/bootstrap.sh           Python environment only (enough to run the gateway)
#   scripts/bootstrap.sh --system  also the system packages the tests use:
#                                  redis-server, redis-sentinel, clamd, libmagic, promtool,
#                                  postgresql,
#                                  kubectl (Debian's kubernetes-client: `kubectl kustomize`),
#                                  podman, runc, debootstrap (deploy/container/build-local.sh
#                                  builds and runs the image without Docker),
#                                  chromium (the console's browser tests; never `playwright install`),
#                                  valgrind (benchmarks/instructions.py: instructions per request)
# Idempotent: what is already there is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_system=0
[ "${1:-}" = "--system" ] && want_system=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$want_system" = 1 ]; then
  missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
  command -v clamd >/dev/null || [ -x /usr/sbin/clamd ] || missing+=(clamav-daemon clamav)
  dpkg -s libmagic1 >/dev/null 2>&1 || missing+=(libmagic1)
  command -v promtool >/dev/null || missing+=(prometheus)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v kubectl >/dev/null || missing+=(kubernetes-client)
  for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v valgrind >/dev/null || missing+=(valgrind)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.sluicegate-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
