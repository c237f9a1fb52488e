#!/bin/sh
# Validate the Prometheus alert rules (promtool comes from the Debian package "prometheus")
# and that the Grafana dashboard is valid JSON. Exits non-zero on any problem.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v promtool >/dev/null 2>&1; then
    echo "promtool not found: install the Debian package 'prometheus' (scripts/bootstrap.sh)" >&2
    exit 2
fi
promtool check rules "$here/prometheus/alerts.yml"
(cd "$here/prometheus" && promtool test rules alerts.test.yml)
python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$here/grafana/sluicegate.json"
echo "deploy/: rules and dashboard OK"
