#!/usr/bin/env python3
"""Checks bench_loadgen's response parser against a raw-socket server that answers every framing it must
handle (chunked with extensions and trailers, Content-Length, empty bodies, 204, 304 and HEAD answers that
announce a length, 100 Continue before the answer, a body ending with the connection, Connection: close,
HTTP/1.0), dribbled 1 byte, 7 bytes and whole answers per write. Exits non-zero on a miscount.
    python3 bench/loadgen_check.py build/bench_loadgen
"""
import json
import socket
import subprocess
import sys
import threading

ANSWERS = {  # path -> (answer, expected status, server closes after it)
    "/chunked": (b"HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\n"
                 + b"x" * 26 + b"\r\n0\r\nX-Trailer: 1\r\n\r\n", 207, False),
    "/length": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 200, False),
    "/zero": (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, False),
    "/nocontent": (b"HTTP/1.1 204 No Content\r\n\r\n", 204, False),
    "/notmod": (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n", 304, False),
    "/head": (b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n", 200, False),  # asked with HEAD: no body
    "/continue": (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 3\r\n\r\nabc",
                  302, False),
    "/close": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", 200, True),
    "/eof": (b"HTTP/1.1 200 OK\r\n\r\nbody until the connection ends", 200, True),
    "/http10": (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, True),
    "/bad": (b"HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx", 500, False),
}


def serve(conn, step):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            answer, _, closes = ANSWERS[head.split(b" ")[1].decode()]
            for i in range(0, len(answer), step):
                conn.sendall(answer[i:i + step])
            if closes:
                return
    except OSError:
        pass  # the load generator closes its connections when its time is up
    finally:
        conn.close()


def check(loadgen, step):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve, args=(conn, step), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    argv = [loadgen, "--port", str(port), "--connections", "4", "--duration", "1", "--timeout", "5"]
    for path in ANSWERS:
        argv += ["--request", ("HEAD " if path == "/head" else "GET ") + path]
    out = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout)
    listener.close()
    problems = []
    for kind in out["kinds"]:
        _, status, _ = ANSWERS[kind["name"].split(" ")[1]]
        if kind["requests"] == 0 or set(kind["status"]) != {str(status)}:
            problems.append(f"{kind['name']}: {kind['requests']} answers, statuses {kind['status']} (want {status})")
        if kind["errors"] != (kind["requests"] if status >= 400 else 0):
            problems.append(f"{kind['name']}: {kind['errors']} errors of {kind['requests']}")
    detail = {k: v for k, v in out["error_detail"].items() if k != "status" and v}
    if detail:
        problems.append(f"transport errors {detail}")
    closes = sum(1 for _, _, c in ANSWERS.values() if c)
    if out["closed_by_server"] < closes:
        problems.append(f"closed_by_server {out['closed_by_server']}, want at least {closes}")
    print(f"step {step}: {out['requests']} answers, {out['closed_by_server']} closed by the server, "
          f"{'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
    return not problems


if __name__ == "__main__":
    ok = all([check(sys.argv[1], step) for step in (1, 7, 1 << 20)])
    sys.exit(0 if ok else 1)
