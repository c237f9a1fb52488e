"""The fast local upstream: nginx answering a fixed chat completion from memory.

nginx costs a few microseconds per request, so whatever a system under test adds on top
of "direct" is its own cost, not the upstream's. The config is written into the run's
temp dir; nothing under /etc is touched.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from benchmarks.payloads import CHAT_RESPONSE, MODELS_RESPONSE

_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /v1/chat/completions {{
            if ($request_method != POST) {{ return 405; }}
            default_type application/json;
            return 200 '{chat}';
        }}
        location = /v1/models {{
            default_type application/json;
            return 200 '{models}';
        }}
        location / {{ return 404; }}
    }}
}}
"""


def _literal(body: object) -> str:
    """JSON made safe for an nginx single-quoted string ('$' would start a variable)."""
    text = orjson.dumps(body).decode()
    if "'" in text or "$" in text or "\\" in text:
        raise ValueError("fixed upstream bodies must not contain quotes, '$' or backslashes")
    return text


def write_config(tmp: Path, port: int) -> Path:
    """Write nginx.conf for 127.0.0.1:<port> into `tmp` and return its path."""
    conf = tmp / "nginx.conf"
    conf.write_text(
        _CONF.format(
            tmp=tmp, port=port, chat=_literal(CHAT_RESPONSE), models=_literal(MODELS_RESPONSE)
        )
    )
    return conf


def command(tmp: Path, port: int) -> list[str]:
    """argv that runs nginx in the foreground with the config written for this run."""
    conf = write_config(tmp, port)
    return ["nginx", "-p", str(tmp), "-c", str(conf)]
