#!/usr/bin/env python3
"""The mixed-method row of issue #13: 256 keep-alive clients, each cycling through PROPFIND Depth 1 of the
1,000-entry folder, HEAD of a file in it and GET → 302, against dav115 and nginx (and rclone if given).

Measured with bench_loadgen (bench/loadgen.cpp, built next to dav115): wrk cannot send HEAD (its parser waits
for a body after a HEAD response) and ApacheBench cannot mix methods. Connection i starts at request i mod 3,
so the mix is even at every instant; each connection sends its next request as soon as the last answer is
complete (closed loop, like wrk). Standard library only.

The harness calls `mix_rows(ctx)` for its `mix` section. `ctx` is a dict:
    build_dir      directory holding bench_loadgen
    work           a scratch directory (the PROPFIND body file goes there)
    runs           runs per server (median taken); servers alternate run by run, so drift hits both alike
    duration       measured seconds per run (a warm-up of 1 s, 0.5 s under smoke, comes first and is not counted)
    smoke          bool: the tiny fixture; figures are not meaningful, only that the row runs
    servers        {"dav115": srv, "nginx": srv[, "rclone": srv]}: objects with .base ("http://127.0.0.1:P"),
                   .auth (dict of headers sent with every request: dav115's Basic auth) and optionally .proc
                   (a Popen: its process tree's CPU is reported) - the harness's Dav115/Nginx/Rclone objects
    folder         the folder listed with PROPFIND Depth 1, e.g. "/f1000/"
    n_entries      how many entries it holds (for the scenario's name)
    file           the file HEAD asks for, e.g. "/f1000/file-00001.txt"
    get_paths      {server: path whose GET answers 302}: dav115 "/big/big.bin" (redirect policy, warm link
                   cache), nginx "/redirect" (`return 302`); a server without one is left out of the row
                   (rclone has no redirect, so it is measured only if a path is given, and then GET answers 200)
    propfind_body  the PROPFIND request body (the harness's "rclone 4-prop")
    connections    optional, default 256
    emu_pid        optional: the emulator's pid, for the "is the harness the bottleneck?" table

It returns one row, in the harness's row shape (so `rows.append(row)` works as for `add(...)`) plus the
latency fields:
    {"scenario": "256 keep-alive clients, mix of PROPFIND D1 (1,000 entries), HEAD, GET → 302",
     "figure": "requests/s", "unit": "req/s", "key": "rps", "calls": None,
     "targets": [("nginx", 1)],                throughput: dav115 ≥ 1× nginx
     "p99_targets": [("nginx", 1)],            p99 latency: dav115 ≤ 1× nginx
     "results": {server: {
         "rps", "min_rps", "max_rps"           median and min–max over runs of all answers per second
         "p50_ms", "p99_ms", "min_p99_ms", "max_p99_ms"   median p50, median p99 (and min–max) over runs
         "max_ms"                              worst single request over all runs
         "errors"                              over all runs: statuses other than 207/200/302, resets,
                                               timeouts, connect and parse errors
         "requests", "reconnects", "closed_by_server"     over all runs (a server closing a keep-alive
                                               connection after N requests is a reconnect, not an error)
         "kinds": {"PROPFIND": {"requests", "p99_ms"}, "HEAD": ..., "GET": ...}   last run's split
         "srv_cpu", "tool_cpu", "emu_cpu"      median CPU share of one core during a run (server tree,
                                               bench_loadgen, emulator)}},
     "verdicts": [(label, anchor, ratio, target, ok), ...]   throughput and p99, ready for the targets list
     "commands": {"<scenario> / <server>": command line with the password elided},
     "harness_load": [(scenario, server, tool_cpu, emu_cpu, srv_cpu), ...]}

In harness.py's run() (its variables: servers, small_dir, n_small, one_file, emu, m):
    for row in mix.mix_rows({"build_dir": args.build_dir, "work": work, "runs": args.runs,
                             "duration": args.duration, "smoke": args.smoke, "servers": servers,
                             "folder": f"/{small_dir}/", "n_entries": n_small, "file": "/" + one_file,
                             "get_paths": {"dav115": "/big/big.bin", "nginx": "/redirect"},
                             "propfind_body": PROPFIND_BODIES["rclone 4-prop"], "emu_pid": emu.proc.pid}):
        rows.append(row); m.commands.update(row["commands"]); m.harness_load += row["harness_load"]
    m.mark_children()  # bench_loadgen's CPU is in the row already, not in the next measurement's tool column

`python3 bench/mix.py --build-dir build [--runs N] [--duration S] [--smoke]` starts the servers itself (through
harness.py's classes) and prints the row as JSON: for trying the row without the whole benchmark.
"""
import json
import os
import re
import shlex
import statistics
import subprocess
import tempfile
import time

REQUESTS = (  # (kind, method, expected status)
    ("PROPFIND", "PROPFIND", 207),
    ("HEAD", "HEAD", 200),
    ("GET", "GET", 302),
)


def _cpu_seconds(pid):
    """User + system seconds of pid and its descendants (nginx: master + workers), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def loadgen_argv(ctx, server_name, srv, body_file, warmup):
    port = int(srv.base.rsplit(":", 1)[1].split("/")[0])
    argv = [os.path.join(ctx["build_dir"], "bench_loadgen"), "--host", "127.0.0.1", "--port", str(port),
            "--connections", str(ctx.get("connections", 256)), "--duration", str(ctx["duration"]),
            "--warmup", str(warmup), "--timeout", "30"]
    for k, v in srv.auth.items():
        argv += ["--header", f"{k}: {v}"]
    paths = {"PROPFIND": ctx["folder"], "HEAD": ctx["file"], "GET": ctx["get_paths"][server_name]}
    for kind, method, status in REQUESTS:
        argv += ["--request", f"{method} {paths[kind]}", "--name", kind]
        if kind == "PROPFIND":
            argv += ["--header", "Depth: 1", "--header", "Content-Type: application/xml; charset=utf-8",
                     "--body-file", body_file]
        # rclone has no redirect: its GET answers the file (200); elsewhere anything but 302 is an error.
        if not (kind == "GET" and server_name == "rclone"):
            argv += ["--expect", str(status)]
    return argv


def shown_command(argv, server_name):
    """The command line for the report: no password, no build path or port that changes per run."""
    shown = [re.sub(r"Basic \S+", "Basic …", a) for a in argv]
    shown[0] = "$BUILD/bench_loadgen"
    shown[shown.index("--port") + 1] = f"${server_name.upper()}_PORT"
    return " ".join(a if a.startswith("$") else shlex.quote(a) for a in shown)


def one_run(argv, srv, emu_pid, timeout):
    srv_pid = srv.proc.pid if getattr(srv, "proc", None) else None
    srv0 = _cpu_seconds(srv_pid) if srv_pid else 0
    emu0 = _cpu_seconds(emu_pid) if emu_pid else 0
    t0 = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"bench_loadgen failed ({r.returncode}): {r.stderr.strip()}")
    out = json.loads(r.stdout)
    out["wall"] = wall
    out["srv_cpu"] = (_cpu_seconds(srv_pid) - srv0) / wall if srv_pid else 0
    out["emu_cpu"] = (_cpu_seconds(emu_pid) - emu0) / wall if emu_pid else 0
    out["tool_cpu"] = out["cpu_seconds"] / wall
    return out


def summarise(runs):
    rps = [r["rps"] for r in runs]
    p99 = [r["latency_ms"]["p99"] for r in runs]
    last = runs[-1]
    return {
        "rps": statistics.median(rps), "min_rps": min(rps), "max_rps": max(rps),
        "p50_ms": statistics.median(r["latency_ms"]["p50"] for r in runs),
        "p99_ms": statistics.median(p99), "min_p99_ms": min(p99), "max_p99_ms": max(p99),
        "max_ms": max(r["latency_ms"]["max"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "error_detail": {k: sum(r["error_detail"][k] for r in runs) for k in last["error_detail"]},
        "requests": sum(r["requests"] for r in runs),
        "reconnects": sum(r["reconnects"] for r in runs),
        "closed_by_server": sum(r["closed_by_server"] for r in runs),
        "kinds": {k["name"]: {"requests": k["requests"], "errors": k["errors"], "status": k["status"],
                              "p99_ms": k["latency_ms"]["p99"]} for k in last["kinds"]},
        "srv_cpu": statistics.median(r["srv_cpu"] for r in runs),
        "tool_cpu": statistics.median(r["tool_cpu"] for r in runs),
        "emu_cpu": statistics.median(r["emu_cpu"] for r in runs),
    }


def mix_rows(ctx):
    conns = ctx.get("connections", 256)
    scenario = (f"{conns} keep-alive clients, mix of PROPFIND D1 ({ctx['n_entries']:,} entries), HEAD, GET → 302")
    if not os.access(os.path.join(ctx["build_dir"], "bench_loadgen"), os.X_OK):
        raise RuntimeError(f"no bench_loadgen in {ctx['build_dir']}: cmake --build {ctx['build_dir']} --target bench_loadgen")
    names = [n for n in ("dav115", "nginx", "rclone") if n in ctx["servers"] and n in ctx["get_paths"]]
    body_file = os.path.join(ctx["work"], "mix-propfind.xml")
    with open(body_file, "w") as f:
        f.write(ctx["propfind_body"])
    warmup = 0.5 if ctx.get("smoke") else 1
    argvs = {n: loadgen_argv(ctx, n, ctx["servers"][n], body_file, warmup) for n in names}
    runs = {n: [] for n in names}
    for _ in range(ctx["runs"]):
        for n in names:  # alternate servers run by run: a load change on the machine hits both
            r = one_run(argvs[n], ctx["servers"][n], ctx.get("emu_pid"), ctx["duration"] + warmup + 120)
            runs[n].append(r)
    results = {n: summarise(rs) for n, rs in runs.items()}

    verdicts = []
    dav, ngx = results.get("dav115"), results.get("nginx")
    if dav and ngx:
        ratio = dav["rps"] / ngx["rps"] if ngx["rps"] else float("inf")
        verdicts.append((scenario + ", throughput", "nginx", ratio, 1, ratio >= 1))
        p99_ratio = dav["p99_ms"] / ngx["p99_ms"] if ngx["p99_ms"] else float("inf")
        verdicts.append((scenario + ", p99 latency (≤)", "nginx", p99_ratio, 1, p99_ratio <= 1))
    return [{
        "scenario": scenario, "figure": "requests/s", "unit": "req/s", "key": "rps", "calls": None,
        "results": results, "targets": [("nginx", 1)], "p99_targets": [("nginx", 1)], "verdicts": verdicts,
        "commands": {f"{scenario} / {n}": shown_command(argvs[n], n).replace(body_file, "$WORK/mix-propfind.xml")
                     for n in names},
        "harness_load": [(scenario, n, v["tool_cpu"], v["emu_cpu"], v["srv_cpu"]) for n, v in results.items()],
    }]


def main():
    """Starts fake115, dav115, nginx and rclone like harness.py does, runs the mix row, prints it as JSON."""
    import argparse
    import shutil
    import harness  # bench/harness.py: this file's directory is on sys.path when run as a script

    ap = argparse.ArgumentParser(description="the mixed-method row alone (see the module docstring)")
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--connections", type=int, default=256)
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    fixture = os.path.join(harness.BENCH_DIR, "fixtures", "smoke_tree.json" if args.smoke else "bench_tree.json")
    work = tempfile.mkdtemp(prefix="dav115-mix-")
    try:
        entries = harness.materialise(build, fixture, os.path.join(work, "local"))
        files = sorted(e["path"] for e in entries if e["path"].startswith("f1000/"))
        emu = harness.Emulator(build, fixture, work)
        big = next(e for e in entries if e["path"] == "big/big.bin")
        cdn_url = emu.cdn_link(big["pick_code"], harness.CDN_UA)  # before dav115 rotates the emulator's token
        servers = {"dav115": harness.Dav115(build, emu, work, "dav115"),
                   "nginx": harness.Nginx(os.path.join(work, "local"), work, emu.base, cdn_url),
                   "rclone": harness.Rclone(os.path.join(work, "local"), work)}
        ctx = {"build_dir": build, "work": work, "smoke": args.smoke,
               "runs": args.runs or (1 if args.smoke else 3), "duration": args.duration or (1 if args.smoke else 5),
               "servers": servers, "folder": "/f1000/", "n_entries": len(files), "file": "/" + files[0],
               "get_paths": {"dav115": "/big/big.bin", "nginx": "/redirect"},
               "propfind_body": harness.PROPFIND_BODIES["rclone 4-prop"], "connections": args.connections,
               "emu_pid": emu.proc.pid}
        print(json.dumps(mix_rows(ctx), indent=1, ensure_ascii=False))
    finally:
        harness.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
