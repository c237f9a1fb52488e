# sluicegate's container image: `docker build -t sluicegate .` from the repository root.
#
# Two stages on one slim Debian Python base: the first builds a venv with the wheel and its
# dependencies (compilers and caches stay there), the second copies only that venv.
#   - runs as the non-root user 10001, never as root;
#   - works with a read-only root filesystem; two paths are written: /tmp (the multi-worker
#     metrics folder, upload spools past their in-memory limit: a tmpfs) and /var/lib/sluicegate
#     (the keys store's SQLite file, SLUICEGATE_KEYS_URL: a volume, or point it at PostgreSQL)
#     — `docker run --read-only --tmpfs /tmp -v sluicegate-data:/var/lib/sluicegate`;
#   - the gateway is PID 1 (exec-form ENTRYPOINT, no shell): it installs its own SIGTERM
#     handler (stop accepting, drain up to server.shutdown_timeout, exit 0) and SIGHUP handler
#     (reload in place), and reaps the workers it starts itself;
#   - config at /etc/sluicegate (the built-in default is written there; mount yours over it);
#   - listeners from SLUICEGATE_LISTEN / SLUICEGATE_ADMIN_LISTEN, read by the shipped configs.
# tests/deploy/test_container.py checks that all of this agrees with the gateway's defaults.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# The package, and the files its templates/ symlinks resolve to (config.toml, policies/,
# examples/production/): the wheel build copies them into the package.
COPY pyproject.toml README.md config.toml ./
COPY policies/ policies/
COPY examples/production/ examples/production/
COPY proxy/ proxy/
COPY plugins/ plugins/
COPY scanners/ scanners/
COPY sluicegate/ sluicegate/
RUN python -m venv /opt/sluicegate \
 && /opt/sluicegate/bin/pip install /src \
 && /opt/sluicegate/bin/python -m compileall -q /opt/sluicegate

FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 sluicegate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sluicegate \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/sluicegate
COPY --from=build /opt/sluicegate /opt/sluicegate
ENV PATH=/opt/sluicegate/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp \
    SLUICEGATE_CONFIG=/etc/sluicegate/config.toml \
    SLUICEGATE_KEYS_URL=sqlite:////var/lib/sluicegate/sluicegate.db \
    SLUICEGATE_LISTEN=0.0.0.0:8080 \
    SLUICEGATE_ADMIN_LISTEN=0.0.0.0:9901
RUN sluicegate init /etc/sluicegate && sluicegate check >/dev/null
VOLUME ["/var/lib/sluicegate"]
USER 10001:10001
WORKDIR /etc/sluicegate
EXPOSE 8080 9901
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ['SLUICEGATE_ADMIN_LISTEN'].rpartition(':')[2]; urllib.request.urlopen(f'http://127.0.0.1:{port}/-/ready', timeout=2)"]
ENTRYPOINT ["sluicegate", "serve"]
CMD []
