"""What the silent-connection guard costs under Granian (proxy/engines/silent_connections.py).

Opens ``--connections`` TCP connections to a listener in this process, each with a whole
request head sent (so none is ever shut), and times the guard's sweeps: the first, which
classifies every new connection, and the later ones, which only ``fstat`` each descriptor.
Both ends of every connection live in this process, so the sweep walks twice as many
socket descriptors as there are connections — as a gateway holding as many upstream
connections would.

    .venv/bin/python -m benchmarks.silent_sweep --connections 2000
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import time

from proxy.engines.silent_connections import SilentConnections

HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--sweeps", type=int, default=20)
    args = parser.parse_args()
    need = 2 * args.connections + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    guard = SilentConnections([listener], 60.0)
    held: list[socket.socket] = []
    try:
        for _ in range(args.connections):
            client = socket.create_connection(listener.getsockname()[:2])
            accepted, _ = listener.accept()
            client.sendall(HEAD)
            held += [client, accepted]
        time.sleep(0.1)
        start = time.perf_counter()
        guard.sweep()
        first = time.perf_counter() - start
        later = []
        for _ in range(args.sweeps):
            start = time.perf_counter()
            guard.sweep()
            later.append(time.perf_counter() - start)
        print(
            f"{args.connections} connections ({len(held)} socket descriptors): "
            f"first sweep {first * 1000:.1f} ms, later sweeps median "
            f"{statistics.median(later) * 1000:.1f} ms; shut {guard.closed}"
        )
    finally:
        for sock in held:
            sock.close()
        listener.close()


if __name__ == "__main__":
    main()
