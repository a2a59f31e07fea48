#!/usr/bin/env python3
"""dav115 benchmark harness (issue #5). Run it through bench/run.sh, which builds first.

Starts, on 127.0.0.1 only: the fake115 emulator with bench/fixtures/*.json, dav115 against it, and the two
anchors on a local directory materialised from the same fixture (`rclone serve webdav`, and nginx with
dav_ext / proxy_pass to the emulator's CDN / `return 302`). Each scenario runs several times against each
server in the same invocation; medians and ratios to the anchors go into a table, printed and written as
Markdown (docs/PERFORMANCE.md by default). Standard library only.
"""
import argparse
import base64
import ctypes
import datetime
import hashlib
import http.client
import importlib
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse
import urllib.request

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(BENCH_DIR)
USER, PASSWORD = "bench", "bench-pass"
PROXY_UA = "bench-proxy"   # dav115's delivery rule sends this User-Agent through local_proxy
CDN_UA = "bench-cdn"       # the CDN link is signed for this User-Agent (anchors and direct download use it)
MIB = 1024 * 1024
# What --only can pick, in the order the harness runs them.
SECTIONS = ("listings", "small", "redirect", "mix", "stream", "upload", "cold", "restart", "index")
# The Depth-1 folders of the fixtures, smallest first (bench_tree.json: 100 ... 50,000 entries).
LISTING_DIRS = ("f100", "f1000", "f10000", "f50000")
ALLPROP_DIRS = ("f1000", "f10000")
# The biggest folder's answers take long for the anchors (rclone: about a second each): fewer connections and
# twice the duration (not in --smoke), so few requests are cut off in flight at the end of a run, and a long wrk
# timeout, so none counts as an error.
BIG_LISTING_DIR, BIG_LISTING_CONNS, BIG_LISTING_TIMEOUT, BIG_LISTING_DURATION_FACTOR = "f50000", 2, "120s", 2
# "µs per entry must stay flat as the folder grows": dav115's largest / smallest Depth-1 cost per entry
# across the folder sizes, at most this.
FLAT_LIMIT = 1.5
# The targets of a `mix` row unless it names its own: throughput ≥ 1× nginx, p99 latency ≤ 1× nginx.
MIX_TARGETS = [("nginx", 1), ("nginx", 1, "p99")]
CHART_PER_ENTRY, CHART_TARGETS = "perf-depth1-per-entry", "perf-targets"   # .svg/.dat beside the report

# A result row: what add() appends, and what bench/mix.py's mix_rows() returns (a list of these).
#   {"scenario": str,        first column of the results table; unique in the report
#    "unit": "req/s",        the unit of the figure the table shows ("MiB/s" for the streaming rows)
#    "key": "rps",           which figure of each server's dict that is ("mibps" for MiB/s)
#    "results": {server: figures}   server: "dav115", "rclone", "nginx" or "CDN direct" (any subset); figures:
#        {"rps": median of the runs, "rps_min": lowest run, "rps_max": highest run,   (the same for "mibps")
#         "p50_ms"/"p50_ms_min"/"p50_ms_max", "p99_ms"/"p99_ms_min"/"p99_ms_max": latency, milliseconds,
#         "errors": failed or non-2xx/3xx requests over all runs (the row is flagged when > 0),
#         optional "srv_cpu", "tool_cpu", "emu_cpu": shares of one core (the harness-load table)}
#    "targets": [(anchor, x)]         dav115's figure ≥ x × the anchor's (a throughput ratio), and/or
#               [(anchor, x, "p99")]  dav115's p99 ≤ x × the anchor's p99; a mix row may omit it (MIX_TARGETS)
#    "calls": int or None    115 API calls during dav115's measurement (None: not counted)
#    "entries": int, "body": str   (Depth-1 rows only) entries in the folder and the PROPFIND body's name;
#                            the "rclone 4-prop" ones make the cost-per-entry table}
# Rows with p50_ms/p99_ms also appear in the latency table.
ROW_KEYS = ("scenario", "unit", "key", "results", "targets", "calls")

PROPFIND_BODIES = {
    # The four properties rclone's webdav backend asks for (webdav-clients.md); written for this bench.
    "rclone 4-prop": '<?xml version="1.0" encoding="UTF-8"?>\n<d:propfind xmlns:d="DAV:"><d:prop>'
                     '<d:displayname/><d:getlastmodified/><d:getcontentlength/><d:resourcetype/>'
                     '</d:prop></d:propfind>',
    "allprop": '<?xml version="1.0" encoding="UTF-8"?>\n<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
}


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

_children = []


def _die_with_parent():
    # PR_SET_PDEATHSIG: servers go away even if the harness is killed.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def spawn(argv, log_path, env=None):
    out = open(log_path, "ab")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, preexec_fn=_die_with_parent)
    _children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def stop_all():
    for p in reversed(_children):
        stop(p)


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid):
    """pid and its descendants (nginx: master + workers)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def cpu_seconds(pid):
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def vm_hwm_kib(pid):
    """Peak RSS since the process started (VmHWM): only grows, so a delta across a step shows a new peak."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- HTTP helpers

def request(base, method, path, headers=None, body=None, timeout=120):
    """One request with exactly the given headers (http.client adds only Host), like wrk."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {}, encode_chunked=False)
        r = c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data
    finally:
        c.close()


def basic_auth():
    return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def password_hash(password, iterations=100000):
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


# ---------------------------------------------------------------- the servers

class Emulator:
    def __init__(self, build_dir, fixture, work):
        self.state = os.path.join(work, "emu")
        os.makedirs(self.state)
        self.argv = [os.path.join(build_dir, "fake115"), "--tree", fixture, "--state-dir", self.state,
                     "--cdn-max-conns", "0", "--qps", "100000", "--burst", "100000", "--link-ttl", "86400",
                     "--threads", "2"]
        self.proc = spawn(self.argv, os.path.join(work, "fake115.log"))
        base_file = os.path.join(self.state, "base_url")
        wait_for(lambda: os.path.exists(base_file) and open(base_file).read().strip(), 60, "fake115")
        self.base = open(base_file).read().strip()
        self.auth = {}  # the CDN needs none: links are signed

    def read_state(self, name):
        with open(os.path.join(self.state, name)) as f:
            return f.read().strip()

    def get_json(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return json.load(r)

    def control(self, doc):
        req = urllib.request.Request(self.base + "/__control", data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def api_calls(self):
        calls = self.get_json("/__stats").get("calls", {})
        return {k: v for k, v in calls.items() if k.startswith("/open/")}

    def cdn_link(self, pick_code, user_agent):
        """A signed CDN link minted with the emulator's initial access token (before dav115 rotates it)."""
        req = urllib.request.Request(self.base + "/open/ufile/downurl",
                                     data=urllib.parse.urlencode({"pick_code": pick_code}).encode(),
                                     headers={"Authorization": "Bearer " + self.read_state("access_token"),
                                              "User-Agent": user_agent}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            data = json.load(r)["data"]
        return next(iter(data.values()))["url"]["url"]


class Dav115:
    def __init__(self, build_dir, emu, work, name, qps=1000, burst=1000, upload=None, allow_anonymous=False):
        """allow_anonymous: requests without credentials are served too (the anonymous GET → 302 row); those with
        credentials are still verified. One instance for both: a second one would refresh the emulator's token
        and so revoke this one's."""
        self.state = os.path.join(work, name)
        os.makedirs(self.state)
        self.config = {
            "listen": ["http://127.0.0.1:0"],
            "users": [{"name": USER, "password_hash": password_hash(PASSWORD)}],
            "allow_anonymous": allow_anonymous,
            "state_dir": self.state,
            "log_level": "warn",
            "access_log": "",
            "cloud115": {"refresh_token": emu.read_state("refresh_token"), "api_base": emu.base,
                         "passport_base": emu.base, "user_agent": "dav115-bench", "page_size": 1150,
                         "rate_limit": {"qps": qps, "burst": burst}},
            "cache": {"listing_ttl_s": 86400},
            # Every load client runs on 127.0.0.1: no per-address cap on the 1,000-connection memory test.
            "limits": {"max_connections_per_ip": 100000},
            "delivery": {"policy": "redirect", "rules": [{"user_agent": PROXY_UA, "policy": "local_proxy"}],
                         "allow_plain_http_cdn": True, "cdn_host_allowlist": ["127.0.0.1"]},
            # PUT: spool in <state_dir>/spool, then 115's upload flow; the emulator's OSS is path-style
            # (<base>/oss/<bucket>/<object>: no virtual-host names on loopback).
            "upload": dict({"oss_path_style": True}, **(upload or {})),
        }
        self.config_path = os.path.join(self.state, "dav115.json")
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=2)
        self.argv = [os.path.join(build_dir, "dav115"), "serve", "--config", self.config_path]
        self.work, self.name, self.starts = work, name, 0
        self.auth = {"Authorization": basic_auth()}
        self.start()

    def start(self):
        """(Re)starts on the same state_dir (and so the same metadata index); returns once /healthz answers."""
        port_file = os.path.join(self.state, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = spawn(self.argv, os.path.join(self.work, f"{self.name}-{self.starts}.log"))
        self.starts += 1
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 60, "dav115")
        port = re.split(r"[\s,]", open(port_file).read().strip())[0]
        self.base = f"http://127.0.0.1:{port}"
        wait_for(lambda: request(self.base, "GET", "/healthz", timeout=2)[0] == 200, 30, "dav115 /healthz")


class Rclone:
    def __init__(self, root, work):
        self.port = free_port()
        conf = os.path.join(work, "rclone.conf")
        open(conf, "w").close()
        self.argv = ["rclone", "serve", "webdav", root, "--addr", f"127.0.0.1:{self.port}", "--config", conf]
        self.proc = spawn(self.argv, os.path.join(work, "rclone.log"))
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: request(self.base, "OPTIONS", "/", timeout=2)[0] < 500, 30, "rclone serve webdav")
        self.auth = {}


NGINX_CONF = """
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
daemon off;
user root;
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-tmp/body;
  proxy_temp_path {work}/nginx-tmp/proxy;
  fastcgi_temp_path {work}/nginx-tmp/fastcgi;
  uwsgi_temp_path {work}/nginx-tmp/uwsgi;
  scgi_temp_path {work}/nginx-tmp/scgi;
  sendfile on;
  upstream emulator {{ server {emu_hostport}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{
      dav_ext_methods PROPFIND OPTIONS;
      dav_methods PUT DELETE;   # the upload row: PUT lands in client_body_temp_path, then is renamed into root
      client_max_body_size 0;
    }}
    location = /redirect {{ return 302 "{redirect_to}"; }}
    location /cdn/ {{
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""


class Nginx:
    def __init__(self, root, work, emu_base, redirect_to):
        self.port = free_port()
        os.makedirs(os.path.join(work, "nginx-tmp"))
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(work=work, port=self.port, root=root, redirect_to=redirect_to,
                                      emu_hostport=urllib.parse.urlsplit(emu_base).netloc))
        self.argv = ["nginx", "-c", conf, "-p", work, "-e", os.path.join(work, "nginx-error.log")]
        self.proc = spawn(self.argv, os.path.join(work, "nginx.log"))
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: request(self.base, "OPTIONS", "/", timeout=2)[0] < 500, 30, "nginx")
        self.auth = {}


def materialise(build_dir, fixture, root):
    """The anchors' local copy of the fixture: same names, sizes and mtimes (sparse files; listings and
    HEAD only look at metadata, streaming anchors read the emulator's CDN)."""
    out = subprocess.run([os.path.join(build_dir, "fake115"), "--tree", fixture, "--dump-tree"],
                         check=True, capture_output=True).stdout
    entries = json.loads(out)["entries"]
    for e in sorted(entries, key=lambda e: e["path"].count("/")):
        path = os.path.join(root, e["path"])
        if e["is_dir"]:
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "wb") as f:
                f.truncate(e["size"])
            os.utime(path, (e["mtime"], e["mtime"]))
    for e in entries:
        if e["is_dir"]:
            os.utime(os.path.join(root, e["path"]), (e["mtime"], e["mtime"]))
    return entries


# ---------------------------------------------------------------- measuring

def summarise(out, key, values):
    """out[key] = the median of the runs' values, out[key_min] / out[key_max] = their range: every figure in the
    report carries its run-to-run noise."""
    values = list(values)
    out[key], out[key + "_min"], out[key + "_max"] = statistics.median(values), min(values), max(values)
    return out


class Measure:
    def __init__(self, args, work, emu):
        self.args, self.work, self.emu = args, work, emu
        self.commands = {}   # scenario -> one example command line (ports vary per run)
        self.harness_load = []   # (scenario, server, tool cpu %, emulator cpu %, server cpu %)
        self.bases = {"CDN": emu.base}   # URL -> placeholder in the printed commands

    def wrk(self, scenario, server_name, server, path, method="GET", headers=None, body=None, connections=8,
            range_size=0, file_size=0, timeout="30s", duration=None):
        """Median (and min, max) over runs of one wrk configuration; returns the figures of a row's server
        (see ROW_KEYS): rps, MiB/s, latency, errors."""
        env = dict(os.environ)
        hdrs = dict(server.auth)
        hdrs.update(headers or {})
        env["BENCH_METHOD"] = method
        env["BENCH_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in hdrs.items())
        if body is not None:
            body_name = next(k for k, v in PROPFIND_BODIES.items() if v == body).replace(" ", "-")
            body_file = os.path.join(self.work, f"propfind-{body_name}.xml")
            with open(body_file, "w") as f:
                f.write(body)
            env["BENCH_BODY_FILE"] = body_file
        if range_size:
            env["BENCH_RANGE_SIZE"], env["BENCH_FILE_SIZE"] = str(range_size), str(file_size)
        duration = duration or self.args.duration
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", timeout,
                "-s", os.path.join(BENCH_DIR, "wrk_request.lua"), server.base + path]
        self._remember(scenario, server_name, server, env, argv)
        results = []
        for _ in range(self.args.runs):
            emu_cpu0, srv_cpu0, t0 = cpu_seconds(self.emu.proc.pid), cpu_seconds(server.proc.pid), time.monotonic()
            p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = p.communicate(timeout=duration + 300)
            wall = time.monotonic() - t0
            # wrk is our child: its CPU time comes from the kernel's accounting of reaped children.
            m = re.search(r"^WRKJSON (.*)$", out.decode(), re.M)
            if p.returncode != 0 or not m:
                raise RuntimeError(f"wrk failed: {out.decode()} {err.decode()}")
            r = json.loads(m.group(1))
            r["wall"] = wall
            r["emu_cpu"] = (cpu_seconds(self.emu.proc.pid) - emu_cpu0) / wall
            r["srv_cpu"] = (cpu_seconds(server.proc.pid) - srv_cpu0) / wall
            results.append(r)
        tool_cpu = self._children_cpu_delta() / sum(r["wall"] for r in results)
        med = lambda k: statistics.median(r[k] for r in results)
        secs = [r["duration_us"] / 1e6 for r in results]
        out = {
            "errors": sum(r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"]
                          for r in results),
            "requests": sum(r["requests"] for r in results),
            "srv_cpu": med("srv_cpu"), "emu_cpu": med("emu_cpu"), "tool_cpu": tool_cpu,
        }
        summarise(out, "rps", [r["requests"] / s for r, s in zip(results, secs)])
        summarise(out, "mibps", [r["bytes"] / s / MIB for r, s in zip(results, secs)])
        summarise(out, "p50_ms", [r["p50_us"] / 1000 for r in results])
        summarise(out, "p99_ms", [r["p99_us"] / 1000 for r in results])
        self.harness_load.append((scenario, server_name, tool_cpu, out["emu_cpu"], out["srv_cpu"]))
        log(f"  {scenario} / {server_name}: {out['rps']:.0f} req/s, {out['mibps']:.1f} MiB/s, "
            f"errors {out['errors']}, wrk cpu {tool_cpu:.0%}, server cpu {out['srv_cpu']:.0%}, emu cpu {out['emu_cpu']:.0%}")
        return out

    _last_children = None

    def _remember(self, scenario, server_name, server, env, argv):
        shown = {k: v for k, v in env.items() if k.startswith("BENCH_")}
        if "BENCH_HEADERS" in shown:
            shown["BENCH_HEADERS"] = re.sub(r"Basic \S+", "Basic …", shown["BENCH_HEADERS"])
        if "BENCH_BODY_FILE" in shown:
            shown["BENCH_BODY_FILE"] = "$WORK/" + os.path.basename(shown["BENCH_BODY_FILE"])
        line = " ".join(f"{k}={shlex.quote(v)}" for k, v in shown.items()) + " " + shlex.join(argv)
        self.commands.setdefault(f"{scenario} / {server_name}", self.anonymise(line))

    def anonymise(self, text):
        for name, base in self.bases.items():
            text = text.replace(base, "$" + name)
        return text.replace(PASSWORD, "…")

    def ab(self, scenario, server_name, server, path, method="HEAD", headers=None):
        """ApacheBench for HEAD: wrk's parser waits for a body after a HEAD response with Content-Length."""
        hdrs = dict(server.auth)
        hdrs.update(headers or {})
        argv = ["ab", "-q", "-k", "-c", "8", "-t", str(self.args.duration), "-n", "100000000"]
        if method == "HEAD":
            argv.append("-i")
        for k, v in hdrs.items():
            argv += ["-H", f"{k}: {v}"]
        argv.append(server.base + path)
        shown = [re.sub(r"Basic \S+", "Basic …", a) for a in argv]
        self.commands.setdefault(f"{scenario} / {server_name}", self.anonymise(shlex.join(shown)))
        results = []
        for _ in range(self.args.runs):
            emu_cpu0, srv_cpu0, t0 = cpu_seconds(self.emu.proc.pid), cpu_seconds(server.proc.pid), time.monotonic()
            r = subprocess.run(argv, capture_output=True, text=True, timeout=self.args.duration + 120)
            wall = time.monotonic() - t0
            if r.returncode != 0:
                raise RuntimeError(f"ab failed: {r.stdout} {r.stderr}")
            num = lambda label: float((re.search(rf"^{label}:\s+([\d.]+)", r.stdout, re.M) or [0, 0])[1])
            p50 = re.search(r"^\s+50%\s+(\d+)", r.stdout, re.M)
            p99 = re.search(r"^\s+99%\s+(\d+)", r.stdout, re.M)
            complete = num("Complete requests")
            results.append({
                "rps": num("Requests per second"), "complete": complete,
                "errors": num("Failed requests") + num("Non-2xx responses"),
                "not_kept_alive": complete - num("Keep-Alive requests"),
                "p50_ms": float(p50[1]) if p50 else 0, "p99_ms": float(p99[1]) if p99 else 0,
                "emu_cpu": (cpu_seconds(self.emu.proc.pid) - emu_cpu0) / wall,
                "srv_cpu": (cpu_seconds(server.proc.pid) - srv_cpu0) / wall, "wall": wall})
        tool_cpu = self._children_cpu_delta() / sum(r["wall"] for r in results)
        med = lambda k: statistics.median(r[k] for r in results)
        out = {"mibps": 0,
               "errors": int(sum(r["errors"] for r in results)), "requests": int(sum(r["complete"] for r in results)),
               "not_kept_alive": int(sum(r["not_kept_alive"] for r in results)),
               "srv_cpu": med("srv_cpu"), "emu_cpu": med("emu_cpu"), "tool_cpu": tool_cpu}
        for k in ("rps", "p50_ms", "p99_ms"):
            summarise(out, k, [r[k] for r in results])
        self.harness_load.append((scenario, server_name, tool_cpu, out["emu_cpu"], out["srv_cpu"]))
        log(f"  {scenario} / {server_name}: {out['rps']:.0f} req/s (ab), errors {out['errors']}, "
            f"not kept alive {out['not_kept_alive']}, ab cpu {tool_cpu:.0%}, server cpu {out['srv_cpu']:.0%}")
        return out

    def _children_cpu_delta(self):
        ru = os.times()
        now = ru.children_user + ru.children_system
        prev = self._last_children if self._last_children is not None else self._base_children
        self._last_children = now
        return now - prev

    def mark_children(self):
        ru = os.times()
        self._base_children = self._last_children = ru.children_user + ru.children_system

    def download(self, scenario, name, url, user_agent, auth=False, server=None, sample_rss_of=None):
        """Median seconds of hyperfine-timed curl downloads (and the peak RSS of `sample_rss_of` during them)."""
        export = os.path.join(self.work, f"hyperfine-{len(self.commands)}-{name.replace(' ', '_')}.json")
        curl = ["curl", "-sf", "-o", "/dev/null", "-A", user_agent]
        if auth:
            curl += ["-u", f"{USER}:{PASSWORD}"]
        curl.append(url)
        argv = ["hyperfine", "--runs", str(self.args.runs), "--export-json", export, "--style", "none",
                shlex.join(curl)]
        self.commands.setdefault(f"{scenario} / {name}", self.anonymise(shlex.join(argv)))
        peak = {"rss": 0}
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.is_set():
                peak["rss"] = max(peak["rss"], rss_kib(sample_rss_of))
                stop_sampling.wait(0.01)

        sampler = threading.Thread(target=sample) if sample_rss_of else None
        emu_cpu0, t0 = cpu_seconds(self.emu.proc.pid), time.monotonic()
        srv_cpu0 = cpu_seconds(server.proc.pid) if server else 0
        if sampler:
            sampler.start()
        try:
            subprocess.run(argv, check=True, capture_output=True, timeout=600)
        finally:
            stop_sampling.set()
            if sampler:
                sampler.join()
        wall = time.monotonic() - t0
        tool_cpu = self._children_cpu_delta() / wall
        emu_cpu = (cpu_seconds(self.emu.proc.pid) - emu_cpu0) / wall
        srv_cpu = (cpu_seconds(server.proc.pid) - srv_cpu0) / wall if server else 0
        with open(export) as f:
            timing = json.load(f)["results"][0]
        median_s = timing["median"]
        self.harness_load.append((scenario, name, tool_cpu, emu_cpu, srv_cpu))
        log(f"  {scenario} / {name}: {median_s:.3f} s, curl+hyperfine cpu {tool_cpu:.0%}, emu cpu {emu_cpu:.0%}")
        return {"seconds": median_s, "min_seconds": timing["min"], "max_seconds": timing["max"],
                "peak_rss_kib": peak["rss"], "emu_cpu": emu_cpu, "tool_cpu": tool_cpu}


    def put(self, scenario, name, server, path, src, size, auth=False, sample_rss_of=None):
        """One `curl -T` PUT of `src` (timed by curl's time_total), with the CPU of everything involved and the
        peak VmRSS of `sample_rss_of` (sampled every 10 ms) while it ran. Raises unless the answer is 201."""
        curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                "-H", "Expect:",   # no 100-continue round trip: every server gets the body at once
                "-T", src]
        if auth:
            curl += ["-u", f"{USER}:{PASSWORD}"]
        curl.append(server.base + path)
        shown = self.anonymise(shlex.join(curl)).replace(src, "$WORK/" + os.path.basename(src))
        self.commands.setdefault(f"{scenario} / {name}", shown)
        peak = {"rss": 0}
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.is_set():
                peak["rss"] = max(peak["rss"], rss_kib(sample_rss_of))
                stop_sampling.wait(0.01)

        sampler = threading.Thread(target=sample) if sample_rss_of else None
        self._children_cpu_delta()
        emu_cpu0, srv_cpu0, t0 = cpu_seconds(self.emu.proc.pid), cpu_seconds(server.proc.pid), time.monotonic()
        if sampler:
            sampler.start()
        try:
            r = subprocess.run(curl, capture_output=True, text=True, timeout=1800)
        finally:
            stop_sampling.set()
            if sampler:
                sampler.join()
        wall = time.monotonic() - t0
        out = {"wall": wall, "tool_cpu": self._children_cpu_delta() / wall,
               "emu_cpu": (cpu_seconds(self.emu.proc.pid) - emu_cpu0) / wall,
               "srv_cpu": (cpu_seconds(server.proc.pid) - srv_cpu0) / wall, "peak_rss_kib": peak["rss"]}
        fields = r.stdout.split()
        if r.returncode != 0 or len(fields) != 2 or fields[0] != "201":
            raise RuntimeError(f"{scenario} / {name}: PUT {path} gave {r.stdout!r} {r.stderr!r} (curl exit "
                               f"{r.returncode})")
        out["seconds"] = float(fields[1])
        out["mibps"] = size / MIB / out["seconds"]
        log(f"  {scenario} / {name}: {out['seconds']:.3f} s = {out['mibps']:.1f} MiB/s, curl cpu "
            f"{out['tool_cpu']:.0%}, server cpu {out['srv_cpu']:.0%}, emu cpu {out['emu_cpu']:.0%}")
        return out


def idle_connections(server, count):
    """Opens `count` keep-alive connections, each having completed one OPTIONS, and returns them open."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", int(urllib.parse.urlsplit(server.base).port)), timeout=10)
        s.sendall(b"OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(s)
    for s in socks:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError(f"{server.base} closed an idle connection")
            data += chunk
    return socks


# ---------------------------------------------------------------- the uploads

def random_file(path, size):
    """`size` random bytes (no instant upload can match them before the first PUT); returns their SHA-1."""
    h = hashlib.sha1()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 16 * MIB))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return h.hexdigest()


def upload_rows(args, m, emu, servers, work, add, memory):
    """PUT of `size` random bytes to each server (dav115: spool, then 115's multipart upload to the emulator's
    OSS; the anchors: a local directory), then the same bytes to dav115 again under a new name (instant upload:
    115 has them, no OSS byte sent). Each run uses new names and removes what it stored afterwards."""
    dav, size = servers["dav115"], (8 if args.smoke else 1024) * MIB
    src = os.path.join(work, "upload-src.bin")
    sha1 = random_file(src, size)
    put_scenario = f"PUT {size / MIB:,.0f} MiB, end to end"
    instant_scenario = f"instant upload of the same {size / MIB:,.0f} MiB (new name)"
    res = {name: [] for name in servers}
    instant, oss_calls, rss_peak, hwm_delta, api = [], {}, [], [], {}

    def stored(path):
        """The emulator's live entry at `path` (relative to the root), or None."""
        return next((e for e in emu.get_json("/__tree")["entries"] if e["path"] == path), None)

    def check_stored(path):
        e = stored(path)
        if not e or e["size"] != size or e["sha1"].lower() != sha1:
            raise RuntimeError(f"after a 201 the emulator holds {e} at {path}, not {size} bytes with SHA-1 {sha1}")

    try:
        for run_no in range(1, args.runs + 1):
            # dav115: a new file → multipart to OSS; 201 only once the emulator's callback confirmed it.
            name = f"bench-put-{run_no}.bin"
            emu.control({"reset_stats": True})
            rss_before, hwm_before = rss_kib(dav.proc.pid), vm_hwm_kib(dav.proc.pid)
            r = m.put(put_scenario, "dav115", dav, "/" + name, src, size, auth=True, sample_rss_of=dav.proc.pid)
            stats = emu.get_json("/__stats")
            if stats["oss_bytes"] < size:
                raise RuntimeError(f"dav115 PUT sent {stats['oss_bytes']} bytes to OSS, fewer than the file's {size}")
            check_stored(name)
            rss_peak.append(max(0, r["peak_rss_kib"] - rss_before))
            hwm_delta.append(vm_hwm_kib(dav.proc.pid) - hwm_before)
            oss_calls = {k: v for k, v in stats["calls"].items() if k.startswith("oss:")}
            api["put"] = sum(v for k, v in stats["calls"].items() if k.startswith("/open/"))
            res["dav115"].append(r)

            # The same bytes under a new name: instant upload, bounded by receiving and hashing the body.
            again = f"bench-instant-{run_no}.bin"
            emu.control({"reset_stats": True})
            r = m.put(instant_scenario, "dav115", dav, "/" + again, src, size, auth=True)
            stats = emu.get_json("/__stats")
            if stats["oss_bytes"] != 0 or any(k.startswith("oss:") for k in stats["calls"]):
                raise RuntimeError(f"the second PUT of the same bytes reached OSS ({stats['oss_bytes']} bytes, "
                                   f"calls {stats['calls']}): not an instant upload")
            check_stored(again)
            api["instant"] = sum(v for k, v in stats["calls"].items() if k.startswith("/open/"))
            instant.append(r)
            # DELETE both (115's recycle bin): the next run's first PUT must again be a real upload.
            for p in (name, again):
                status = request(dav.base, "DELETE", "/" + p, dav.auth)[0]
                if status != 204:
                    raise RuntimeError(f"dav115 DELETE /{p} gave {status}")

            for anchor in ("rclone", "nginx"):
                srv = servers[anchor]
                r = m.put(put_scenario, anchor, srv, "/" + name, src, size)
                local = os.path.join(work, "local", name)
                if os.path.getsize(local) != size:
                    raise RuntimeError(f"{anchor} stored {os.path.getsize(local)} bytes, not {size}")
                os.remove(local)
                res[anchor].append(r)
    finally:
        # 1 GiB files: never left behind, even when a run fails (the logs in the work dir are kept then).
        for leftover in [src] + [os.path.join(work, "local", f"bench-put-{i}.bin") for i in range(1, args.runs + 1)]:
            if os.path.exists(leftover):
                os.remove(leftover)

    def summary(runs):
        secs = [r["seconds"] for r in runs]
        med = statistics.median(secs)
        return {"seconds": med, "mibps": size / MIB / med, "min_s": min(secs), "max_s": max(secs),
                "srv_cpu": statistics.median(r["srv_cpu"] for r in runs),
                "emu_cpu": statistics.median(r["emu_cpu"] for r in runs),
                "tool_cpu": statistics.median(r["tool_cpu"] for r in runs)}

    put_res = {name: summary(runs) for name, runs in res.items()}
    oss_txt = ", ".join(f"{k} {v}" for k, v in sorted(oss_calls.items()))
    add(put_scenario, "MiB/s", put_res, [("rclone", None), ("nginx", None)], f"{api['put']} + OSS: {oss_txt}",
        unit="MiB/s", key="mibps")
    inst = summary(instant)
    add(instant_scenario, "MiB/s", {"dav115": inst}, [], f"{api['instant']} + OSS: none, 0 bytes",
        unit="MiB/s", key="mibps")
    for name, v in list(put_res.items()) + [("dav115 instant", inst)]:
        scen = instant_scenario if name == "dav115 instant" else put_scenario
        m.harness_load.append((scen, name.split()[0], v["tool_cpu"], v["emu_cpu"], v["srv_cpu"]))
    memory["upload"] = max(rss_peak)
    memory["upload_hwm"] = max(hwm_delta)
    memory["upload_size"] = size
    log(f"  uploads: {put_res} instant {inst} rss peak deltas {rss_peak} KiB, VmHWM deltas {hwm_delta} KiB")


# ---------------------------------------------------------------- the run

def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / MIB:.1f} GiB"
    return {"cores": os.cpu_count(), "model": model, "memory": mem, "kernel": platform.release(),
            "load": os.getloadavg()}


def tool_versions():
    def first_line(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return {"wrk": first_line(["wrk", "-v"]), "hyperfine": first_line(["hyperfine", "--version"]),
            "nginx": first_line(["nginx", "-v"]), "rclone": first_line(["rclone", "version"]),
            "curl": first_line(["curl", "--version"]), "gnuplot": first_line(["gnuplot", "--version"])}


def check_tools(args):
    # gnuplot draws the report's charts, written only beside a report file (--out).
    tools = ("wrk", "hyperfine", "nginx", "rclone", "curl") + (("gnuplot",) if args.out else ())
    missing = [t for t in tools if not shutil.which(t)]
    if missing or not os.path.exists("/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"):
        sys.exit(f"bench: missing {missing or 'nginx dav_ext module'}; run scripts/setup.sh --bench")


def run(args):
    check_tools(args)
    fixture = os.path.join(BENCH_DIR, "fixtures", "smoke_tree.json" if args.smoke else "bench_tree.json")
    work = tempfile.mkdtemp(prefix="dav115-bench-")
    log(f"work dir {work}")
    started = datetime.datetime.now(datetime.timezone.utc)
    mach = machine()
    rows, memory, notes = [], {}, []
    want = lambda section: not args.only or section in args.only

    local = os.path.join(work, "local")
    entries = materialise(args.build_dir, fixture, local)
    by_path = {e["path"]: e for e in entries}
    small_dir, large_dir = "f1000", "f10000"
    count = lambda folder: sum(1 for e in entries if e["path"].startswith(folder + "/"))
    n_small, n_large = count(small_dir), count(large_dir)
    one_file = sorted(e["path"] for e in entries if e["path"].startswith(small_dir + "/"))[0]
    big = by_path["big/big.bin"]

    emu = Emulator(args.build_dir, fixture, work)
    cdn_url = emu.cdn_link(big["pick_code"], CDN_UA)
    cdn_path = cdn_url[len(emu.base):]
    m = Measure(args, work, emu)
    m.mark_children()

    # The smoke run's 8 MiB PUT takes the same multipart path as the full run's 1 GiB (default threshold 20 MiB).
    smoke_upload = {"multipart_threshold_bytes": 4 * MIB, "part_bytes": MIB} if args.smoke else None
    dav = Dav115(args.build_dir, emu, work, "dav115", upload=smoke_upload, allow_anonymous=True)
    idle_rss = rss_kib(dav.proc.pid)
    rclone = Rclone(local, work)
    nginx = Nginx(local, work, emu.base, cdn_url)
    servers = {"dav115": dav, "rclone": rclone, "nginx": nginx}
    m.bases = {"DAV115": dav.base, "RCLONE": rclone.base, "NGINX": nginx.base, "CDN": emu.base}

    # -- memory: idle, then with 1,000 idle keep-alive connections, on freshly started servers (later, the
    # allocator's free lists left by big listings would hide what connections cost).
    conns = 50 if args.smoke else 1000
    memory["idle_start"] = idle_rss
    memory["conns"] = conns
    for name, srv in servers.items():
        before = rss_kib(srv.proc.pid)
        socks = idle_connections(srv, conns)
        time.sleep(0.3)
        memory[f"{name}_conn_delta"] = rss_kib(srv.proc.pid) - before
        memory[f"{name}_rss"] = before
        for s in socks:
            s.close()
    time.sleep(0.3)

    def add(scenario, figure, results, targets, calls=None, unit="req/s", key="rps", **extra):
        rows.append(dict({"scenario": scenario, "figure": figure, "unit": unit, "key": key, "results": results,
                          "targets": targets, "calls": calls}, **extra))

    # -- PROPFIND Depth 1 listings, warm cache: rclone's 4 properties at every folder size (the cost-per-entry
    # table), allprop at 1,000 and 10,000 entries.
    if want("listings"):
        # The smoke run: allprop at one size only (its own path is the body; each measurement costs the suite 1 s).
        allprop_dirs = ALLPROP_DIRS[:1] if args.smoke else ALLPROP_DIRS
        for body_name, folders, targets in (("rclone 4-prop", LISTING_DIRS, [("rclone", 10), ("nginx", 5)]),
                                            ("allprop", allprop_dirs, [("rclone", 10), ("nginx", 1)])):
            body = PROPFIND_BODIES[body_name]
            for folder in folders:
                n = count(folder)
                scenario = f"PROPFIND Depth 1, {n:,} entries, {body_name}"
                load = (dict(connections=BIG_LISTING_CONNS, timeout=BIG_LISTING_TIMEOUT,
                             duration=args.duration * (1 if args.smoke else BIG_LISTING_DURATION_FACTOR))
                        if folder == BIG_LISTING_DIR else {})
                res, calls = {}, None
                for name, srv in servers.items():
                    if name == "dav115":
                        emu.control({"reset_stats": True})
                    hdrs = dict(srv.auth, Depth="1")
                    status = request(srv.base, "PROPFIND", f"/{folder}/", hdrs, body, timeout=300)[0]  # warm caches
                    if status != 207:
                        raise RuntimeError(f"{name} PROPFIND /{folder}/ gave {status}")
                    res[name] = m.wrk(scenario, name, srv, f"/{folder}/", "PROPFIND", {"Depth": "1"}, body, **load)
                    if name == "dav115":
                        calls = sum(emu.api_calls().values())
                add(scenario, "listings/s", res, targets, calls, entries=n, body=body_name)

    # -- Depth 0 on a file, HEAD on a file.
    if want("small"):
        for scenario, method, hdrs, body in (
                ("PROPFIND Depth 0 on a file", "PROPFIND", {"Depth": "0"}, PROPFIND_BODIES["rclone 4-prop"]),
                ("HEAD on a file", "HEAD", {}, None)):
            res = {}
            emu.control({"reset_stats": True})
            for name in ("dav115", "rclone"):
                srv = servers[name]
                request(srv.base, method, "/" + one_file, dict(srv.auth, **hdrs), body)
                if method == "HEAD":
                    res[name] = m.ab(scenario, name, srv, "/" + one_file, method, hdrs)
                else:
                    res[name] = m.wrk(scenario, name, srv, "/" + one_file, method, hdrs, body)
                if name == "dav115":
                    calls = sum(emu.api_calls().values())
            add(scenario, "requests/s", res, [("rclone", 2)], calls)

    # -- GET -> 302 with a warm link cache against nginx `return 302` (no auth): anonymous requests (dav115 has
    # allow_anonymous), then with Basic auth (cached verification). Both rows compare with the same nginx run.
    if want("redirect"):
        anon = types.SimpleNamespace(base=dav.base, proc=dav.proc, auth={})
        nginx_302 = None
        for scenario, srv, target in (("GET → 302, warm link cache, anonymous", anon, 0.8),
                                      ("GET → 302, warm link cache, Basic auth (cached verification)", dav, 0.6)):
            emu.control({"reset_stats": True})
            status = request(srv.base, "GET", "/big/big.bin", srv.auth)[0]
            if status != 302:
                raise RuntimeError(f"dav115 GET /big/big.bin under redirect gave {status}")
            res = {"dav115": m.wrk(scenario, "dav115", srv, "/big/big.bin")}
            calls = sum(emu.api_calls().values())
            if nginx_302 is None:
                nginx_302 = m.wrk(scenario, "nginx", nginx, "/redirect")
            res["nginx"] = nginx_302
            add(scenario, "redirects/s", res, [("nginx", target)], calls)

    # -- 256 keep-alive clients mixing requests (bench/mix.py, when present; it measures dav115 and nginx).
    if want("mix"):
        rows += mix_section(args, m, emu, servers, work, small_dir, one_file, notes)

    # -- local_proxy, one client streaming the whole file; nginx proxy_pass and the CDN itself as anchors.
    if want("stream"):
        scenario = f"local_proxy stream {big['size'] / MIB:,.0f} MiB, 1 client"
        emu.control({"reset_stats": True})
        request(dav.base, "GET", "/big/big.bin", dict(dav.auth, **{"User-Agent": PROXY_UA, "Range": "bytes=0-0"}))
        rss_before = rss_kib(dav.proc.pid)
        dl = {"dav115": m.download(scenario, "dav115", dav.base + "/big/big.bin", PROXY_UA, auth=True, server=dav,
                                   sample_rss_of=dav.proc.pid),
              "nginx": m.download(scenario, "nginx", nginx.base + cdn_path, CDN_UA, server=nginx),
              "CDN direct": m.download(scenario, "CDN direct", cdn_url, CDN_UA)}
        calls = sum(emu.api_calls().values())
        res = {k: {"mibps": big["size"] / MIB / v["seconds"], "mibps_min": big["size"] / MIB / v["max_seconds"],
                   "mibps_max": big["size"] / MIB / v["min_seconds"], "seconds": v["seconds"]} for k, v in dl.items()}
        add(scenario, "MiB/s", res, [("nginx", 1), ("CDN direct", 0.8)], calls, unit="MiB/s", key="mibps")
        memory["stream"] = max(0, dl["dav115"]["peak_rss_kib"] - rss_before)

        # -- local_proxy, 8 clients reading random 1 MiB ranges.
        scenario = "local_proxy, 8 clients, random 1 MiB ranges"
        emu.control({"reset_stats": True})
        rng = dict(range_size=MIB, file_size=big["size"], connections=8)
        res = {"dav115": m.wrk(scenario, "dav115", dav, "/big/big.bin", headers={"User-Agent": PROXY_UA}, **rng),
               "nginx": m.wrk(scenario, "nginx", nginx, cdn_path, headers={"User-Agent": CDN_UA}, **rng),
               "CDN direct": m.wrk(scenario, "CDN direct", emu, cdn_path, headers={"User-Agent": CDN_UA}, **rng)}
        add(scenario, "MiB/s", res, [("nginx", 1)], sum(emu.api_calls().values()), unit="MiB/s", key="mibps")

    # -- PUT of a big random file to each server, then the same bytes to dav115 again (instant upload).
    if want("upload"):
        upload_rows(args, m, emu, servers, work, add, memory)

    memory["idle_after"] = rss_kib(dav.proc.pid)
    log(f"  memory: {memory}")
    # The remaining sections measure dav115 alone (and the index program): the anchors would only sit idle.
    stop(rclone.proc)
    stop(nginx.proc)

    # -- cold listing of the big folder with the emulator limited to 2 calls/s.
    if want("cold"):
        emu.control({"rate_limit": {"qps": 2, "burst": 2}})
        # Burst 1: with both buckets at 2/s, a burst of 2 right after the startup calls can find the emulator's
        # bucket not yet refilled (770004, then a cooldown); spacing calls 0.5 s apart never trips it.
        cold = Dav115(args.build_dir, emu, work, "dav115-cold", qps=2, burst=1)
        time.sleep(2.0)  # let the emulator's bucket refill after the startup calls
        emu.control({"reset_stats": True})
        t0 = time.monotonic()
        status = request(cold.base, "PROPFIND", f"/{large_dir}/", dict(cold.auth, Depth="1"),
                         PROPFIND_BODIES["rclone 4-prop"], timeout=300)[0]
        cold_wall = time.monotonic() - t0
        cold_calls = emu.api_calls()
        cold_rejected = emu.get_json("/__stats").get("results", {})
        emu.control({"rate_limit": {"qps": 100000, "burst": 100000}})
        m.commands["cold listing"] = (f"fake115 /__control {{\"rate_limit\":{{\"qps\":2,\"burst\":2}}}}; fresh dav115 with "
                                      f"rate_limit qps 2 burst 1; curl -X PROPFIND -H 'Depth: 1' $DAV115/{large_dir}/")
        cold_info = {"status": status, "wall": cold_wall, "calls": cold_calls, "results": cold_rejected,
                     "expected_pages": -(-n_large // 1150)}
        log(f"  cold listing: {cold_info}")
        stop(cold.proc)
    else:
        cold_info = None
    stop(dav.proc)

    # -- restart: the first Depth-1 answer of the big folder from a just-started dav115, with an empty
    # metadata index (cold) and with one that holds the folder from before a SIGTERM (warm).
    restart_info = restart_rows(args, emu, work, large_dir, n_large) if want("restart") else None
    if restart_info:
        m.commands["restart"] = (f"dav115 serve on a state_dir; curl -X PROPFIND -H 'Depth: 1' $DAV115/{large_dir}/ "
                                 "(cold); kill -TERM; dav115 serve on the same state_dir; the same PROPFIND (warm)")

    # -- the metadata index on its own: disk, memory and time for folders x entries (bench/index_size.cpp).
    index_info = index_rows(args, work) if want("index") else None
    if index_info:
        m.commands["metadata index"] = (f"bench_index_size --folders {index_info['folders']} --entries "
                                        f"{index_info['entries']} --dir $WORK/index-N   # once per run")
    stop(emu.proc)

    report = render(args, started, mach, rows, memory, cold_info, m, n_large, large_dir, restart_info,
                    index_info, notes)
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
        log(f"wrote {args.out}")
        for svg in write_charts(args, rows, memory, os.path.dirname(os.path.abspath(args.out))):
            log(f"wrote {svg}")
    shutil.rmtree(work, ignore_errors=True)


def mix_section(args, m, emu, servers, work, small_dir, one_file, notes):
    """The rows of bench/mix.py's mix_rows() (the other rows' shape: see ROW_KEYS), or none when that module is
    absent. Only its absence is tolerated: an error inside it fails the run."""
    if importlib.util.find_spec("mix") is None:
        if "mix" in args.only:
            raise RuntimeError("--only mix: bench/mix.py is not there")
        notes.append("The `mix` section was skipped: bench/mix.py is not there.")
        return []
    mix = importlib.import_module("mix")
    n_entries = sum(1 for _ in os.scandir(os.path.join(work, "local", small_dir)))
    ctx = {"build_dir": args.build_dir, "work": work, "runs": args.runs, "duration": args.duration,
           "smoke": args.smoke, "servers": {n: servers[n] for n in ("dav115", "nginx")},
           "folder": f"/{small_dir}/", "n_entries": n_entries, "file": "/" + one_file,
           # What answers 302 on each: dav115's redirect policy (warm link cache), nginx's `return 302`.
           "get_paths": {"dav115": "/big/big.bin", "nginx": "/redirect"},
           "propfind_body": PROPFIND_BODIES["rclone 4-prop"], "emu_pid": emu.proc.pid}
    rows = mix.mix_rows(ctx)
    for r in rows:
        # mix.py names its spreads min_rps / min_p99_ms; the report's shape is rps_min / p99_ms_min.
        for fig in r["results"].values():
            for key in ("rps", "p99_ms"):
                if f"min_{key}" in fig:
                    fig[f"{key}_min"], fig[f"{key}_max"] = fig.pop(f"min_{key}"), fig.pop(f"max_{key}")
        r["targets"] = [tuple(t) for t in r.get("targets", [])] + [(a, x, "p99") for a, x in r.pop("p99_targets", [])]
        r.pop("verdicts", None)
        m.commands.update(r.pop("commands", {}))
        m.harness_load += r.pop("harness_load", [])
    m.mark_children()
    for r in rows:
        r.setdefault("targets", MIX_TARGETS)
        r.setdefault("unit", "req/s")
        r.setdefault("key", "rps")
        r.setdefault("calls", None)
        missing = [k for k in ROW_KEYS if k not in r]
        if r.get("key") not in r.get("results", {}).get("dav115", {}):
            missing.append(f"results['dav115'][{r.get('key')!r}]")
        if missing:
            raise RuntimeError(f"bench/mix.py: row {r.get('scenario')!r} lacks {', '.join(missing)} (see ROW_KEYS)")
    return rows


def index_rows(args, work):
    """bench_index_size (bench/index_size.cpp) `args.runs` times: 100 folders x 1,000 entries (smoke: 5 x 200)
    written through the metadata index, then read back after a reopen. Each figure: median, min, max of the runs."""
    exe = os.path.join(args.build_dir, "bench_index_size")
    if not os.path.exists(exe):
        raise RuntimeError(f"{exe} is missing: cmake --build {args.build_dir} --target bench_index_size "
                           "(bench/run.sh builds it)")
    folders, entries = (5, 200) if args.smoke else (100, 1000)
    runs = []
    for run_no in range(args.runs):
        r = subprocess.run([exe, "--folders", str(folders), "--entries", str(entries),
                            "--dir", os.path.join(work, f"index-{run_no}")],
                           capture_output=True, text=True, timeout=1200)
        if r.returncode != 0:
            raise RuntimeError(f"bench_index_size failed ({r.returncode}): {r.stdout} {r.stderr}")
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    out = {"folders": folders, "entries": entries, "runs": len(runs)}
    for k in runs[0]:
        summarise(out, k, [r[k] for r in runs])
    log(f"  metadata index: {out}")
    return out


def restart_rows(args, emu, work, large_dir, n_large):
    """Cold and warm index restarts, `args.runs` times each: time and 115 calls to the first Depth-1 207."""
    body = PROPFIND_BODIES["rclone 4-prop"]
    out = {"cold": [], "warm": []}
    for run_no in range(args.runs):
        dav = None
        try:
            for kind in ("cold", "warm"):
                t_spawn = time.monotonic()
                if dav is None:
                    dav = Dav115(args.build_dir, emu, work, f"dav115-restart-{run_no}")  # a new, empty state_dir
                else:
                    dav.start()  # the same state_dir: its index holds the folder listed by the cold run
                emu.control({"reset_stats": True})
                t0 = time.monotonic()
                status = request(dav.base, "PROPFIND", f"/{large_dir}/", dict(dav.auth, Depth="1"), body,
                                 timeout=300)[0]
                t1 = time.monotonic()
                calls = emu.api_calls()
                out[kind].append({"status": status, "seconds": t1 - t0, "start_seconds": t1 - t_spawn,
                                  "calls": sum(calls.values()), "pages": calls.get("/open/ufile/files", 0)})
                stop(dav.proc)  # SIGTERM: the index writes queued by the answer are committed first
        finally:
            if dav is not None:
                stop(dav.proc)
    summary = {}
    for kind, runs in out.items():
        secs = [r["seconds"] for r in runs]
        starts = [r["start_seconds"] for r in runs]
        calls = [r["calls"] for r in runs]
        summary[kind] = {"statuses": [r["status"] for r in runs],
                         "seconds": statistics.median(secs), "min_s": min(secs), "max_s": max(secs),
                         "start_seconds": statistics.median(starts), "start_min_s": min(starts),
                         "start_max_s": max(starts),
                         "calls": int(statistics.median(calls)), "min_calls": min(calls), "max_calls": max(calls),
                         "pages": int(statistics.median(r["pages"] for r in runs))}
    log(f"  restart: {summary}")
    return summary


# ---------------------------------------------------------------- the report

def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"


def with_range(v, key, show=fmt):
    """`5,718 (5,600–5,800)`: the median of the runs and, when measured, their min–max."""
    text = show(v[key])
    if key + "_min" in v:
        text += f" ({show(v[key + '_min'])}–{show(v[key + '_max'])})"
    return text


def row_ratios(r):
    """[(anchor, ratio, target, kind)] for a row's targets. kind "rate": ratio = dav115's figure / the anchor's,
    met when ≥ target (target None: shown, not judged); kind "p99": ratio = dav115's p99 / the anchor's, met
    when ≤ target."""
    res, key, out = r["results"], r["key"], []
    for t in r["targets"]:
        anchor, target, kind = t[0], t[1], (t[2] if len(t) > 2 else "rate")
        field = "p99_ms" if kind == "p99" else key
        base = res[anchor][field]
        # None: the anchor completed no request in the run (nothing to compare with).
        out.append((anchor, res["dav115"][field] / base if base else None, target, kind))
    return out


def ratio_met(ratio, target, kind):
    return ratio <= target if kind == "p99" else ratio >= target


def depth1_cost(rows):
    """The Depth-1 rows with rclone's 4 properties, smallest folder first: [(entries, {server: (µs per entry,
    from the fastest run, from the slowest run)})], µs per entry = 1e6 / (listings/s × entries)."""
    out = []
    for r in sorted((r for r in rows if r.get("body") == "rclone 4-prop" and "entries" in r), key=lambda r: r["entries"]):
        n, costs = r["entries"], {}
        for name, v in r["results"].items():
            if v["rps"] > 0:
                slowest = 1e6 / (v["rps_min"] * n) if v["rps_min"] else float("inf")
                costs[name] = (1e6 / (v["rps"] * n), 1e6 / (v["rps_max"] * n), slowest)
        out.append((n, costs))
    return out


def flatness(cost, server):
    """Largest / smallest µs per entry of `server` across the folder sizes (1.0 = perfectly flat), or None."""
    values = [c[server][0] for _, c in cost if server in c]
    return max(values) / min(values) if len(values) >= 2 else None


# name, what, limit (MiB), strict "<" (else "≤"): dav115's memory targets, from the `memory` figures (KiB).
MEMORY_TARGETS = (("idle_start", "idle RSS", 16, True), ("dav115_conn_delta", "RSS with idle connections", 64, True),
                  ("stream", "RSS while streaming", 32, True), ("upload", "RSS added by the big PUT", 96, False))


def memory_ok(memory, name, limit, strict):
    return memory[name] < limit * 1024 if strict else memory[name] <= limit * 1024


def verdicts(rows, memory, cost):
    """Every judged target: {"line": Markdown for the Targets list, "label": short text for the chart,
    "score": how far past its target (ratio / target, or target / ratio for p99 and memory: ≥ 1 is met),
    "ok": met}."""
    out = []
    for r in rows:
        for anchor, ratio, target, kind in row_ratios(r):
            if target is None:
                continue
            if ratio is None:
                label = f"{r['scenario']} vs {anchor}"
                out.append({"line": f"- {label}: **not measured** ({anchor} completed no request)", "label": label,
                            "score": None, "ok": False})
                continue
            ok = ratio_met(ratio, target, kind)
            if kind == "p99":
                label = f"{r['scenario']}: p99 vs {anchor} (≤ {target}×)"
                score = target / ratio if ratio else float("inf")
            else:
                label = f"{r['scenario']} vs {anchor} (≥ {target}×)"
                score = ratio / target
            out.append({"line": f"- {label}: {ratio:.2f}× — {'met' if ok else '**missed**'}", "label": label,
                        "score": score, "ok": ok})
    flat = flatness(cost, "dav115")
    if flat is not None:
        ok = flat <= FLAT_LIMIT
        label = f"Depth-1 µs per entry of dav115 flat (max/min ≤ {FLAT_LIMIT}×)"
        out.append({"line": f"- {label}: {flat:.2f}× — {'met' if ok else '**missed**'}", "label": label,
                    "score": FLAT_LIMIT / flat, "ok": ok})
    for name, what, limit, strict in MEMORY_TARGETS:
        if name in memory:
            ok = memory_ok(memory, name, limit, strict)
            label = f"{what} ({'<' if strict else '≤'} {limit} MiB)"
            out.append({"line": f"- {label}: {memory[name] / 1024:.1f} MiB — {'met' if ok else '**missed**'}",
                        "label": label, "score": limit * 1024 / max(memory[name], 1), "ok": ok})
    return out


def noise(rows):
    """Run-to-run spread of every figure with a range: [((max − min) / median, scenario, server)]."""
    out = []
    for r in rows:
        for name, v in r["results"].items():
            if "min_s" in v:
                out.append(((v["max_s"] - v["min_s"]) / v["seconds"], r["scenario"], name))
            elif r["key"] + "_min" in v and v[r["key"]] > 0:
                out.append(((v[r["key"] + "_max"] - v[r["key"] + "_min"]) / v[r["key"]], r["scenario"], name))
    return out


# ---------------------------------------------------------------- the charts (gnuplot)

PER_ENTRY_PLOT = r"""
set terminal svg size 800,480 dynamic noenhanced font 'sans,12' background rgb 'white'
set encoding utf8
set output '{svg}'
set title 'PROPFIND Depth 1 (rclone 4-prop): server time per entry'
set xlabel 'entries in the folder (log scale)'
set ylabel 'µs per entry (log scale)'
set logscale xy
set xrange [{xmin}:{xmax}]
set xtics ({xtics})
set grid
set key outside right top
set datafile missing '-'
plot '{dat}' using 1:2 title 'dav115' with linespoints lw 2 pt 7, \
     '' using 1:3 title 'rclone serve webdav' with linespoints lw 2 pt 5, \
     '' using 1:4 title 'nginx dav_ext' with linespoints lw 2 pt 9
"""

TARGETS_PLOT = r"""
set terminal svg size 1100,{height} dynamic noenhanced font 'sans,11' background rgb 'white'
set encoding utf8
set output '{svg}'
set title 'measured ratio ÷ target (≥ 1 is met; p99 and memory: target ÷ measured)'
set datafile separator "\t"
set style fill solid 0.8 noborder
set yrange [{ymin}:0.6]
unset ytics
set logscale x
set xrange [{xmin}:{xmax}]
set xtics nomirror
set grid xtics
set lmargin {lmargin}
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 dt 2 lc rgb 'black'
plot '{dat}' using ({xmin}):(-$0):({xmin}):2:(-$0-0.35):(-$0+0.35):3 with boxxyerror lc rgb variable notitle, \
     '' using ({xmin}):(-$0):1 with labels right offset -1,0 notitle, \
     '' using 2:(-$0):(sprintf(' %.2f', $2)) with labels left notitle
"""


def write_charts(args, rows, memory, out_dir):
    """The report's two SVGs and their data files beside it (perf-*.svg, perf-*.dat), drawn by gnuplot."""
    cost = depth1_cost(rows)
    written = []
    if cost:
        dat = os.path.join(out_dir, CHART_PER_ENTRY + ".dat")
        with open(dat, "w") as f:
            f.write("# entries\tdav115\trclone\tnginx   (µs per entry, median of the runs; - = not measured)\n")
            for n, c in cost:
                f.write(f"{n}\t" + "\t".join(f"{c[s][0]:.6g}" if s in c else "-" for s in ("dav115", "rclone", "nginx"))
                        + "\n")
        sizes = [n for n, _ in cost]
        written.append(gnuplot(PER_ENTRY_PLOT, dat, os.path.join(out_dir, CHART_PER_ENTRY + ".svg"),
                               xmin=min(sizes) / 1.5, xmax=max(sizes) * 1.5,
                               xtics=", ".join(f'"{n:,}" {n}' for n in sizes)))
    judged = [v for v in verdicts(rows, memory, cost) if v["score"] is not None]
    if judged:
        dat = os.path.join(out_dir, CHART_TARGETS + ".dat")
        capped = lambda v: min(max(v["score"], 0.05), 1e6)   # inside the log axis
        with open(dat, "w") as f:
            # label, score (ratio / target; ≥ 1 met), bar colour (green met, red missed); tab-separated.
            for v in judged:
                f.write(f"{v['label']}\t{capped(v):.4g}\t{0x2e8b57 if v['ok'] else 0xc0392b}\n")
        written.append(gnuplot(TARGETS_PLOT, dat, os.path.join(out_dir, CHART_TARGETS + ".svg"),
                               ymin=0.4 - len(judged), height=90 + 24 * len(judged),
                               lmargin=int(max(len(v["label"]) for v in judged) * 0.78) + 3, xmin=0.05,
                               xmax=max(4.0, min(max(capped(v) for v in judged) * 2, 1000))))
    return written


def gnuplot(program, dat, svg, **values):
    script = program.format(dat=dat, svg=svg, **values)
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(svg):
        raise RuntimeError(f"gnuplot failed on {svg}: {r.stderr}")
    return svg


def render(args, started, mach, rows, memory, cold, m, n_large, large_dir, restart=None, index=None, notes=()):
    L = []
    charts = bool(args.out)   # the SVGs are written beside the report file (write_charts)
    cost = depth1_cost(rows)
    minutes = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
    mode = ("a smoke run: tiny fixture and durations, figures NOT meaningful" if args.smoke
            else "partial run" if args.only else "full run")
    flags = (" --smoke" if args.smoke else "") + (f" --only {','.join(args.only)}" if args.only else "")
    L.append("# dav115 performance\n")
    L.append(f"Generated by `bench/run.sh{flags}` ({mode}) on {started:%Y-%m-%d %H:%M} UTC in {minutes:.0f} min. Every "
             "figure and chart below comes from that one invocation; regenerate with the same command.\n")
    L.append(f"- Machine: {mach['cores']} cores, {mach['model']}, {mach['memory']} RAM, Linux {mach['kernel']}; "
             f"load average at start {mach['load'][0]:.2f} / {mach['load'][1]:.2f} / {mach['load'][2]:.2f}.")
    L.append("- The machine is shared (other engineers compile on it while benchmarks run), so absolute figures "
             "are noisy: **the ratios to the anchors measured in the same run are what count**.")
    L.append(f"- Each figure is the median of {args.runs} run(s) with the min–max of the runs in brackets, e.g. "
             f"`5,718 req/s (5,600–5,800)`; wrk runs {args.duration} s with 1 thread, "
             "8 connections (HEAD: ApacheBench `ab -k -c 8`, because wrk waits for a body after a HEAD "
             f"response); the {BIG_LISTING_DIR} Depth-1 rows use {BIG_LISTING_CONNS} connections, wrk "
             f"`--timeout {BIG_LISTING_TIMEOUT}` and {BIG_LISTING_DURATION_FACTOR if not args.smoke else 1}× the "
             "duration for every server (an anchor's answer takes about a second there); downloads "
             "are timed by hyperfine running curl. Everything on 127.0.0.1.")
    L.append("- dav115 serves with Basic auth (cached verification) and a warm listing cache (`listing_ttl_s` 86400); "
             "it has `allow_anonymous` on for the anonymous GET → 302 row, whose requests carry no credentials "
             "(every other request sends them, and they are verified). "
             "The anchors serve without auth from a local directory materialised from the same fixture "
             "(`bench/fixtures/bench_tree.json`: same names, sizes, mtimes).")
    if any(r["scenario"].startswith("PUT ") for r in rows):
        L.append("- Uploads are timed by curl's `time_total` for one `curl -T` PUT (no `Expect: 100-continue`), "
                 f"median of {args.runs} run(s) with the min–max in brackets; each run PUTs new names and removes "
                 "what it stored afterwards (dav115: DELETE to 115's recycle bin, so the next run's PUT is again a "
                 "real upload; the anchors: the file is removed from their directory). dav115 answers 201 only "
                 "after 115 (the emulator's OSS upload callback) confirmed the file; the harness then checks the "
                 "emulator holds the exact size and SHA-1, and the anchors' files have the exact size.")
    if args.only:
        L.append(f"- **Partial run**: only the section(s) {', '.join(args.only)} of `bench/harness.py --only` "
                 "(plus the start-up memory measurements) were run; everything else is missing from this report.")
    L.append("- Tools: " + ", ".join(f"{k}: `{v}`" for k, v in tool_versions().items()) + ".\n")

    L.append("## Results\n")
    L.append("| scenario | dav115 | rclone serve webdav | nginx | CDN direct | ratios (target) | 115 API calls |")
    L.append("|---|---|---|---|---|---|---|")
    for r in rows:
        res, key = r["results"], r["key"]
        cells = []
        for name in ("dav115", "rclone", "nginx", "CDN direct"):
            v = res.get(name)
            if v is None:
                cells.append("—")
            elif "min_s" in v:   # uploads: the figure comes from the median seconds; their range beside it
                cells.append(f"{fmt(v[key])} {r['unit']} ({v['seconds']:.2f} s; {v['min_s']:.2f}–{v['max_s']:.2f} s)")
            elif key + "_min" in v:
                cells.append(f"{fmt(v[key])} {r['unit']} ({fmt(v[key + '_min'])}–{fmt(v[key + '_max'])})")
            else:
                cells.append(f"{fmt(v[key])} {r['unit']}")
        ratio_txt = []
        for anchor, ratio, target, kind in row_ratios(r):
            if ratio is None:
                ratio_txt.append(f"**not measured**: {anchor} completed no request (raise --duration)")
            elif target is None:
                ratio_txt.append(f"{ratio:.2f}× {anchor} (no target)")
            elif kind == "p99":
                ratio_txt.append(f"p99 {ratio:.2f}× {anchor}'s (≤ {target}×) "
                                 f"{'met' if ratio_met(ratio, target, kind) else '**missed**'}")
            else:
                ratio_txt.append(f"{ratio:.2f}× {anchor} (≥ {target}×) "
                                 f"{'met' if ratio_met(ratio, target, kind) else '**missed**'}")
        errors = sum(v.get("errors", 0) for v in res.values())
        calls = "—" if r["calls"] is None else str(r["calls"])
        name = r["scenario"] + (f" ⚠ {errors} errors" if errors else "")
        L.append(f"| {name} | " + " | ".join(cells) + f" | {'; '.join(ratio_txt) or '—'} | {calls} |")
    L.append("")
    L.append("115 API calls: counted by the emulator's `/__stats` from just before dav115's first (warm-up) request "
             "of the scenario to its end, so a warm scenario should show the one-off calls of the warm-up and "
             "nothing per request. Upload rows: the calls of one PUT (the last run's), 115's API and then the "
             "requests to the emulator's OSS. Both GET → 302 rows compare with the same nginx `return 302` "
             "measurement (nginx without auth).\n")
    spread = noise(rows)
    if args.runs < 2:
        L.append("**Run-to-run noise**: not measured (one run per figure).\n")
    elif spread:
        values = sorted(v for v, _, _ in spread)
        worst = max(spread)
        L.append(f"**Run-to-run noise**: (max − min) / median over the {len(spread)} figures with a range: median "
                 f"{statistics.median(values):.0%}, 90th percentile {values[int(0.9 * (len(values) - 1))]:.0%}, largest "
                 f"{worst[0]:.0%} ({worst[1]} / {worst[2]}). A ratio closer to its target than that spread is within "
                 "the noise of this run.\n")
    for note in notes:
        L.append(f"{note}\n")
    if cost:
        L.append("## Depth-1 cost per entry\n")
        L.append("PROPFIND Depth 1 with rclone's 4 properties: µs per entry = 10⁶ / (listings/s × entries), the server "
                 "time one entry costs (the request's fixed cost spread over the entries, so the smallest folder "
                 "weighs it most). Median of the runs; in brackets the fastest and slowest run.\n")
        L.append("| entries | dav115 | rclone serve webdav | nginx | nginx ÷ dav115 |")
        L.append("|---|---|---|---|---|")
        us = lambda c: f"{c[0]:#.3g} µs ({c[1]:#.3g}–{c[2]:#.3g})"
        for n, c in cost:
            cells = [us(c[name]) if name in c else "—" for name in ("dav115", "rclone", "nginx")]
            vs = f"{c['nginx'][0] / c['dav115'][0]:.2f}×" if "nginx" in c and "dav115" in c else "—"
            L.append(f"| {n:,} | " + " | ".join(cells) + f" | {vs} |")
        flat = {name: flatness(cost, name) for name in ("dav115", "rclone", "nginx")}
        L.append("| largest ÷ smallest across sizes | " + " | ".join(
            f"{flat[name]:.2f}×" if flat[name] else "—" for name in ("dav115", "rclone", "nginx")) + " | |")
        L.append("")
        if flat["dav115"]:
            dav = [(c["dav115"][0], n) for n, c in cost if "dav115" in c]
            L.append(f"dav115's cost per entry {'stays flat' if flat['dav115'] <= FLAT_LIMIT else '**does not stay flat**'}"
                     f" as the folder grows from {cost[0][0]:,} to {cost[-1][0]:,} entries: largest ÷ smallest "
                     f"{flat['dav115']:.2f}× (flat: ≤ {FLAT_LIMIT}×); largest at {max(dav)[1]:,} entries, smallest at "
                     f"{min(dav)[1]:,}" + (" (the request's fixed cost weighs most on the smallest folder)"
                                           if max(dav)[1] == cost[0][0] else "") + ".")
            if len(dav) >= 3:   # growth without the smallest folder, whose per-entry figure the fixed cost inflates
                L[-1] += (f" From {dav[1][1]:,} to {dav[-1][1]:,} entries it changes by "
                          f"{dav[-1][0] / dav[1][0]:.2f}× (above 1 would mean each entry costs more in a bigger "
                          "folder; below 1, the fixed cost thinning out).")
            # What one more entry costs: the time per listing (10⁶ / listings/s, µs) between two sizes, divided
            # by the entries between them. The request's fixed cost cancels out, so this is the figure that
            # shows whether an entry costs more in a bigger folder.
            sizes = [(n, c["dav115"][0] * n) for n, c in cost if "dav115" in c]   # µs per listing
            if len(sizes) >= 3:
                marginal = [((t2 - t1) / (n2 - n1), n1, n2) for (n1, t1), (n2, t2) in zip(sizes, sizes[1:])]
                fixed = sizes[0][1] - sizes[0][0] * marginal[0][0]
                spread = max(m for m, _, _ in marginal) / min(m for m, _, _ in marginal)
                L[-1] += (" **Marginal cost** (µs one more entry adds to a listing, between consecutive sizes): " +
                          ", ".join(f"{a:,}→{b:,}: {m:.3f} µs" for m, a, b in marginal) +
                          f"; largest ÷ smallest {spread:.2f}× "
                          f"({'flat' if spread <= FLAT_LIMIT else '**not flat**'} by the same ≤ {FLAT_LIMIT}× rule), "
                          f"on top of a fixed cost of about {fixed:.0f} µs per request.")
            L[-1] += "\n"
        if charts:
            L.append(f"![Depth-1 µs per entry against folder size, dav115, rclone and nginx]({CHART_PER_ENTRY}.svg)\n")
    put_rows = [r for r in rows if r["scenario"].startswith("PUT ")]
    inst_rows = [r for r in rows if r["scenario"].startswith("instant upload")]
    if put_rows and inst_rows:
        put, inst = put_rows[0]["results"], inst_rows[0]["results"]["dav115"]
        size_mib = memory["upload_size"] / MIB
        L.append("### Uploads\n")
        L.append(f"- **PUT {size_mib:,.0f} MiB end to end**: dav115 {fmt(put['dav115']['mibps'])} MiB/s "
                 f"({put['dav115']['seconds']:.2f} s) against rclone serve webdav {fmt(put['rclone']['mibps'])} MiB/s "
                 f"and nginx {fmt(put['nginx']['mibps'])} MiB/s "
                 f"({put['dav115']['mibps'] / put['rclone']['mibps']:.2f}× rclone, "
                 f"{put['dav115']['mibps'] / put['nginx']['mibps']:.2f}× nginx). dav115 does strictly more: it "
                 "receives and hashes the body into its spool file, then sends it again to the emulator's OSS "
                 "(multipart, `upload.part_bytes` per part, each with Content-MD5) and waits for the upload "
                 "callback before answering 201; the anchors only write the body to a local file. No ratio target "
                 "was set for this row.")
        L.append(f"- **Instant upload of the same {size_mib:,.0f} MiB under a new name**: {inst['seconds']:.2f} s "
                 f"(min–max {inst['min_s']:.2f}–{inst['max_s']:.2f} s), i.e. receiving and SHA-1 hashing at "
                 f"**{fmt(inst['mibps'])} MiB/s** ({size_mib:,.0f} MiB / seconds). The emulator's `oss_bytes` stayed "
                 "at 0 during every one of these PUTs (the row fails otherwise): 115 already had the bytes.\n")

    latencies = [(r["scenario"], name, v) for r in rows for name, v in r["results"].items() if "p50_ms" in v]
    if latencies:
        L.append("### Latency (median of runs, min–max in brackets; wrk, HEAD: ab)\n")
        L.append("| scenario | server | p50 ms | p99 ms |")
        L.append("|---|---|---|---|")
        ms = lambda x: f"{x:.2f}"
        for scenario, name, v in latencies:
            L.append(f"| {scenario} | {name} | {with_range(v, 'p50_ms', ms)} | {with_range(v, 'p99_ms', ms)} |")
        L.append("")

    if cold:
        L.append("## Cold listing under the 115 rate limit\n")
        calls_total = sum(cold["calls"].values())
        files_calls = cold["calls"].get("/open/ufile/files", 0)
        if cold["status"] != 207:
            L.append(f"**The cold listing failed (status {cold['status']}).**\n")
        L.append(f"A fresh dav115 (rate limit 2 calls/s, burst 1) lists `/{large_dir}/` ({n_large:,} entries) while the "
                 f"emulator allows 2 calls/s: **{cold['wall']:.2f} s wall**, status {cold['status']}, "
                 f"{calls_total} API calls ({', '.join(f'{k} {v}' for k, v in sorted(cold['calls'].items()))}); "
                 f"the listing pages needed are ⌈{n_large}/1150⌉ = {cold['expected_pages']}, "
                 f"and `/open/ufile/files` was called {files_calls} times "
                 f"(one of them lists the root to resolve the folder's name). Emulator result codes: "
                 f"`{json.dumps(cold['results'])}`.\n")

    if restart:
        L.append("## Restart: first Depth-1 answer of the big folder\n")
        L.append(f"dav115 is started on a state_dir, then `PROPFIND /{large_dir}/` (Depth 1, {n_large:,} entries, "
                 "rclone's 4 properties) is sent as soon as `/healthz` answers. **Cold**: an empty metadata index "
                 "(a first start). **Warm**: the same folder was listed, dav115 stopped with SIGTERM and started "
                 "again on the same state_dir, within `cache.listing_ttl_s`. Time: from sending the PROPFIND to the "
                 "whole 207; start: from spawning the process to that 207. 115 calls: the emulator's `/__stats` "
                 f"from just before the PROPFIND to its answer. Median of {args.runs} run(s), min–max in brackets.\n")
        L.append("| index | time to the 207 | start to the 207 | 115 API calls | of them listing pages |")
        L.append("|---|---|---|---|---|")
        for kind in ("cold", "warm"):
            v = restart[kind]
            bad = "" if all(s == 207 for s in v["statuses"]) else f" ⚠ statuses {v['statuses']}"
            L.append(f"| {kind}{bad} | {v['seconds']:.3f} s ({v['min_s']:.3f}–{v['max_s']:.3f} s) | "
                     f"{v['start_seconds']:.3f} s ({v['start_min_s']:.3f}–{v['start_max_s']:.3f} s) | "
                     f"{v['calls']} ({v['min_calls']}–{v['max_calls']}) | {v['pages']} |")
        L.append("")

    L.append("## Memory (VmRSS from /proc)\n")
    kib = lambda v: f"{v / 1024:.1f} MiB"
    conns = memory["conns"]
    ok = {name: memory_ok(memory, name, limit, strict) for name, _, limit, strict in MEMORY_TARGETS if name in memory}
    idle_ok, conn_ok = ok["idle_start"], ok["dav115_conn_delta"]
    stream_ok, upload_ok = ok.get("stream"), ok.get("upload")
    L.append("| measure | dav115 | target | rclone | nginx (master + workers) |")
    L.append("|---|---|---|---|---|")
    L.append(f"| idle RSS just after start | {kib(memory['idle_start'])} | < 16 MiB {'met' if idle_ok else '**missed**'} | "
             f"— | — |")
    L.append(f"| RSS after the benchmarks (listings cached{', uploads done' if 'upload' in memory else ''}) | "
             f"{kib(memory['idle_after'])} | — | — | — |")
    L.append(f"| RSS just after start, before the connections | {kib(memory['dav115_rss'])} | — | "
             f"{kib(memory['rclone_rss'])} | {kib(memory['nginx_rss'])} |")
    L.append(f"| added by {conns:,} idle keep-alive connections (right after start) | {kib(memory['dav115_conn_delta'])} | < 64 MiB "
             f"{'met' if conn_ok else '**missed**'} | {kib(memory['rclone_conn_delta'])} | "
             f"{kib(memory['nginx_conn_delta'])} |")
    if stream_ok is not None:
        L.append(f"| added while streaming the big file (peak − before) | {kib(memory['stream'])} | < 32 MiB "
                 f"{'met' if stream_ok else '**missed**'} | — | — |")
    if upload_ok is not None:
        L.append(f"| added during the {memory['upload_size'] / MIB:,.0f} MiB PUT (sampled VmRSS peak − before, "
                 f"worst run; VmHWM grew by {kib(memory['upload_hwm'])}) | {kib(memory['upload'])} | ≤ 96 MiB "
                 f"{'met' if upload_ok else '**missed**'} | — | — |")
    L.append("")
    if index:
        render_index(L, index)

    L.append("## Is the harness the bottleneck?\n")
    L.append("CPU used during each measurement, as a share of one core (100% = one core busy). wrk runs one thread, "
             "so it is saturated near 100%; the emulator has 2 I/O threads (200% max) and generates the CDN's bytes. "
             "With 2 cores for everything, the server under test, wrk and the emulator compete for the same CPUs.\n")
    L.append("| scenario | server | load tool (wrk / curl+hyperfine) | emulator | server under test |")
    L.append("|---|---|---|---|---|")
    saturated = []
    for scenario, name, tool, emu_cpu, srv in m.harness_load:
        flag = ""
        if tool >= 0.9:
            flag = " ⚠"
            saturated.append(f"{scenario} / {name}: load tool at {tool:.0%}")
        if emu_cpu >= 1.8:
            saturated.append(f"{scenario} / {name}: emulator at {emu_cpu:.0%}")
        L.append(f"| {scenario} | {name} | {tool:.0%}{flag} | {emu_cpu:.0%} | {srv:.0%} |")
    L.append("")
    if saturated:
        L.append("Possible harness saturation (≥ 90% of wrk's single thread, or ≥ 180% emulator): "
                 + "; ".join(saturated) + ". In those rows the figure is a lower bound for the server, and the "
                 "ratio compares servers under the same limit.\n")
    else:
        L.append("Neither wrk nor the emulator reached saturation in any measurement.\n")

    L.append("## Targets\n")
    judged = verdicts(rows, memory, cost)
    L += [v["line"] for v in judged]
    L.append("")
    L.append(f"{sum(v['ok'] for v in judged)} of {len(judged)} targets met in this run.\n")
    if charts and judged:
        L.append(f"![Each target's ratio divided by its target; 1.0 is the target]({CHART_TARGETS}.svg)\n")
    if os.path.exists(os.path.join(BENCH_DIR, "ANALYSIS.md")) and not args.smoke:
        with open(os.path.join(BENCH_DIR, "ANALYSIS.md")) as f:
            L.append(f.read())

    L.append("## Exact commands\n")
    L.append("`$DAV115`, `$RCLONE`, `$NGINX`, `$CDN` stand for the servers' loopback URLs (ports are picked per run). "
             "Servers were started as:\n")
    L.append("```")
    L.append("fake115 --tree bench/fixtures/bench_tree.json --state-dir $WORK/emu --cdn-max-conns 0 --qps 100000 "
             "--burst 100000 --link-ttl 86400 --threads 2")
    L.append("dav115 serve --config $WORK/dav115/dav115.json   # bench/harness.py Dav115: redirect policy, "
             f"local_proxy for User-Agent {PROXY_UA}, one user (Basic auth), allow_anonymous")
    L.append("rclone serve webdav $WORK/local --addr 127.0.0.1:$PORT --config $WORK/rclone.conf")
    L.append("nginx -c $WORK/nginx.conf -p $WORK   # dav_ext_methods PROPFIND OPTIONS; dav_methods PUT DELETE; "
             "return 302; proxy_pass to the CDN")
    L.append("```\n")
    L.append("Measurements (wrk reads its settings from BENCH_* variables, see `bench/wrk_request.lua`):\n")
    L.append("```")
    for scenario, cmd in m.commands.items():
        L.append(f"# {scenario}")
        L.append(cmd)
    L.append("```")
    if charts:
        data = ([f"{CHART_PER_ENTRY}.dat"] if cost else []) + ([f"{CHART_TARGETS}.dat"] if judged else [])
        L.append(f"\nThe charts: `gnuplot` on the data files the harness writes beside this report ({', '.join(data)}), "
                 "with the programs `PER_ENTRY_PLOT` and `TARGETS_PLOT` in bench/harness.py.")
    return "\n".join(L) + "\n"


def render_index(L, ix):
    """The "Metadata index" section from index_rows()' figures (bench/index_size.cpp)."""
    total = ix["folders"] * ix["entries"]
    mib = lambda b: f"{b / MIB:.1f} MiB"
    ms = lambda key: with_range(ix, key, lambda v: f"{v:.2f}") + " ms"
    kib = lambda key: with_range(ix, key, lambda v: f"{v / 1024:.1f}")
    per_entry = ix["db_bytes"] / total
    L.append(f"## Metadata index: disk, memory and time for {total:,} entries\n")
    L.append(f"`bench_index_size` (bench/index_size.cpp) writes {ix['folders']:,} folders × {ix['entries']:,} entries "
             "shaped like 115's (19-digit ids, 60–80-byte names with some non-ASCII, sizes up to 4 GB, 40-hex SHA-1s, "
             "17-character pick codes, every 20th entry a folder) through `store::MetadataIndex` in one process, then "
             f"reopens the file and reads every folder back. Run {ix['runs']} time(s) on a new directory each; "
             "median of the runs with min–max in brackets.\n")
    L.append("| measure | value |")
    L.append("|---|---|")
    L.append(f"| entries written (read back) | {total:,} ({ix['read_back']:,.0f}) |")
    L.append(f"| dav115.db after a WAL checkpoint | {mib(ix['db_bytes'])}, **{per_entry:.0f} bytes per entry** (so the "
             f"default `index.max_entries` of 1,000,000 is about {per_entry * 1e6 / MIB:,.0f} MiB) |")
    L.append(f"| WAL before / after the checkpoint | {mib(ix['wal_before_checkpoint_bytes'])} / "
             f"{mib(ix['wal_after_checkpoint_bytes'])} |")
    L.append(f"| write one new {ix['entries']:,}-entry folder: median / max of {ix['folders']} | "
             f"{ms('write_ms_median')} / {ms('write_ms_max')} |")
    L.append(f"| re-write it unchanged (a revalidation that found nothing new) | {ms('rewrite_same_ms')}, "
             f"**{ix['rewrite_same_rows']:.0f} row(s)** written |")
    L.append(f"| re-write it with one entry changed | {ms('rewrite_one_ms')}, **{ix['rewrite_one_rows']:.0f} row(s)** |")
    L.append(f"| read one {ix['entries']:,}-entry folder after a reopen: median / max of {ix['folders']} | "
             f"{ms('read_ms_median')} / {ms('read_ms_max')} |")
    L.append(f"| open the {total:,}-entry file (`quick_check` and the entry count) | {ms('open_ms')} |")
    L.append(f"| RSS at start / after writing / after reading back, MiB | {kib('rss_start_kib')} / "
             f"{kib('rss_after_write_kib')} / {kib('rss_after_read_kib')} |")
    L.append(f"| peak RSS while writing / while reading back (VmHWM, reset per phase), MiB | {kib('peak_write_kib')} / "
             f"{kib('peak_read_kib')} |")
    L.append("")
    L.append("One folder is in memory at a time and SQLite keeps its default page cache per connection, so the RSS "
             "should not grow with the number of entries; the in-memory listing cache (`cache.max_cached_folders`) is "
             "separate and is what holds memory per folder. The open time is `quick_check`, which reads the whole "
             "file.\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", required=True, help="directory holding the dav115 and fake115 binaries")
    ap.add_argument("--smoke", action="store_true", help="tiny fixture, 1 s runs, once: checks the harness works")
    ap.add_argument("--runs", type=int, help="runs per figure (median taken); default 3, smoke 1")
    ap.add_argument("--duration", type=int, help="seconds per wrk run; default 5, smoke 1")
    ap.add_argument("--out", help="write the Markdown report here (run.sh: docs/PERFORMANCE.md)")
    ap.add_argument("--only", type=lambda v: v.split(","), default=[],
                    help=f"run only these comma-separated sections ({', '.join(SECTIONS)}); the memory "
                         "measurements at start always run")
    args = ap.parse_args()
    unknown = [s for s in args.only if s not in SECTIONS]
    if unknown:
        ap.error(f"--only: unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    args.build_dir = os.path.abspath(args.build_dir)
    args.runs = args.runs or (1 if args.smoke else 3)
    args.duration = args.duration or (1 if args.smoke else 5)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    finally:
        stop_all()


if __name__ == "__main__":
    main()
