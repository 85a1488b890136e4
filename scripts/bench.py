#!/usr/bin/env python3
"""`make bench`: Porchlight's speed and size, measured against this
machine's own HTTP ceiling, printed as one table with the targets beside.

Installs what it needs from Debian (wrk, nginx, valgrind, strace) when run
as root, builds the release binary and the seed example, seeds data
directories (100 and 100 000 appointments; 1 000 with --quick), and
measures, in one run:

- wrk (2 threads, 32 connections) on GET /v/{token} of an open link,
  GET /api/v1/links/{token} and GET /p/{token}: requests/s, p50, p99;
- nginx serving a static file as large as the link page, same wrk
  settings: the ceiling each figure is divided by;
- the link page and nginx (one worker) again with the server confined to
  one core and wrk to the others, so the load generator does not take the
  server's core (needs two cores);
- instructions per link page request under callgrind (the difference
  between a run with N requests and one with none, divided by N), with
  100 and with 100 000 appointments;
- resident memory idle and after the load, the stripped binary's size,
  time from start to the first answered request with 100 000 appointments,
  and disk syncs per 1 000 page views (strace on fsync and fdatasync).

Everything listens on 127.0.0.1 only. `--quick` is a smoke run of a few
seconds per step; its numbers are not the benchmark.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "porchlight")
SEED = os.path.join(ROOT, "target", "release", "examples", "seed")
# How long the server batches page views before writing them (views.rs).
FLUSH_EVERY = 30


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def need(tools):
    missing = [t for t, _ in tools if shutil.which(t) is None and not os.path.exists(t)]
    if not missing:
        return
    packages = sorted({p for t, p in tools if t in missing})
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("bench: installing", " ".join(packages), "from Debian")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    else:
        sys.exit("bench: needs %s (Debian: apt-get install %s)" % (", ".join(missing), " ".join(packages)))


def build():
    say("bench: building the release binary and the seed example")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "seed"], cwd=ROOT, check=True)


def seed(n, work):
    path = tempfile.mkdtemp(prefix="seed-%d-" % n, dir=work)
    say("bench: seeding %d appointments" % n)
    out = subprocess.run([SEED, path, str(n)], check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    info["dir"] = path
    return info


class Server:
    """`porchlight serve` on 127.0.0.1:0, optionally under a wrapper."""

    def __init__(self, data, wrapper=(), quiet=True):
        self.started = time.monotonic()
        self.proc = subprocess.Popen([*wrapper, BIN, "--data", data, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stdout:
            m = re.match(r"porchlight listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise SystemExit("bench: the server did not start")
        # The integrity check reads the whole database while the server
        # already answers; measure after it, so its work and its first
        # writes are not counted against requests.
        for line in self.proc.stderr:
            if not quiet:
                sys.stderr.write(line)
            if line.startswith("porchlight: database check passed"):
                break
        else:
            raise SystemExit("bench: the database check did not pass")
        threading.Thread(target=self._drain, args=(quiet,), daemon=True).start()

    def _drain(self, quiet):
        for line in self.proc.stderr:
            if not quiet:
                sys.stderr.write(line)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def rss_kib(self, field="VmRSS"):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait()


def get_many(port, path, n):
    """`n` GETs over one keep-alive connection; every answer must be 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for _ in range(n):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit("bench: %s answered %d" % (path, r.status))
    conn.close()


def to_ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    number, unit = float(m.group(1)), m.group(2)
    return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number


def wrk(url, seconds, pin=()):
    out = subprocess.run([*pin, "wrk", "-t2", "-c32", "-d%ds" % seconds, "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit("bench: %s answered errors under load:\n%s" % (url, out))
    return {"rps": rps, "p50": p50, "p99": p99}


def nginx(size, work, pin=()):
    """nginx serving a static file of `size` bytes on 127.0.0.1; with `pin`
    (a taskset prefix), one worker process on those cores."""
    root = tempfile.mkdtemp(prefix="nginx-", dir=work)
    with open(os.path.join(root, "page.html"), "wb") as f:
        f.write(b"x" * size)
    # nginx's workers drop to an unprivileged user: let it read the file.
    for path in (work, root):
        os.chmod(path, 0o755)
    os.chmod(os.path.join(root, "page.html"), 0o644)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes %(w)s; daemon off; pid %(r)s/nginx.pid; error_log %(r)s/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path %(r)s/body; proxy_temp_path %(r)s/proxy;
  fastcgi_temp_path %(r)s/fcgi; uwsgi_temp_path %(r)s/uwsgi; scgi_temp_path %(r)s/scgi;
  server { listen 127.0.0.1:%(p)d; root %(r)s; location / { } } }
""" % {"r": root, "p": port, "w": "1" if pin else "auto"})
    proc = subprocess.Popen([*pin, "nginx", "-c", conf, "-p", root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, "http://127.0.0.1:%d/page.html" % port


def instructions_per_request(data, path, n, work):
    """Callgrind: instructions of a run with `n` requests minus one with none.
    Both runs first ask for `path` once: what a page does only the first
    time (compiling its templates) is not a request's cost."""
    totals = []
    for count in (0, n):
        out = os.path.join(work, "callgrind.%d.%d" % (os.getpid(), len(totals)))
        server = Server(data, wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out])
        get_many(server.port, "/healthz", 1)
        get_many(server.port, path, 1)
        if count:
            get_many(server.port, path, count)
        server.stop(signal.SIGTERM)
        with open(out) as f:
            text = f.read()
        totals.append(int(re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M).group(1)))
    return (totals[1] - totals[0]) / n


def start_time(data, runs):
    """Seconds from spawning `serve` to the first answered request."""
    best = None
    for _ in range(runs):
        t0 = time.monotonic()
        proc = subprocess.Popen([BIN, "--data", data, "serve", "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = None
        for line in proc.stdout:
            m = re.match(r"porchlight listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.0005)
        elapsed = time.monotonic() - t0
        proc.kill()
        proc.wait()
        best = elapsed if best is None else min(best, elapsed)
    return best


def syncs_per_1000_views(data, path, flush_wait):
    """fsync and fdatasync calls while 1000 page views are served and then
    written (one flush of batched views)."""
    server = Server(data)
    get_many(server.port, "/healthz", 1)
    tids = os.listdir("/proc/%d/task" % server.proc.pid)
    out = tempfile.NamedTemporaryFile(prefix="strace-", delete=False).name
    args = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", out]
    for tid in tids:
        args += ["-p", tid]
    strace = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    get_many(server.port, path, 1000)
    time.sleep(flush_wait)
    strace.send_signal(signal.SIGINT)
    strace.wait()
    server.stop()
    calls = 0
    with open(out) as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync"):
                calls += int(parts[3])
    os.unlink(out)
    return calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few seconds per step")
    args = ap.parse_args()
    quick = args.quick
    need([("wrk", "wrk"), ("nginx", "nginx-light"), ("valgrind", "valgrind"), ("strace", "strace")])
    build()
    work = tempfile.mkdtemp(prefix="porchlight-bench-")
    seconds = 2 if quick else 15
    big_n = 1000 if quick else 100_000
    rows = []
    try:
        small = seed(100, work)
        big = seed(big_n, work)
        page = "/v/%s" % big["token"]

        say("bench: load on the link page, the API and the portal")
        server = Server(big["dir"])
        get_many(server.port, page, 50)
        time.sleep(1.0)
        idle_rss = server.rss_kib()
        body = http.client.HTTPConnection("127.0.0.1", server.port)
        body.request("GET", page)
        size = len(body.getresponse().read())
        results = {
            "GET /v/{token}": wrk(server.url(page), seconds),
            "GET /api/v1/links/{token}": wrk(server.url("/api/v1/links/%s" % big["token"]), seconds),
            "GET /p/{token}": wrk(server.url("/p/%s" % big["portal"]), seconds),
        }
        load_rss = server.rss_kib("VmHWM")
        server.stop()

        say("bench: nginx, static file of %d bytes" % size)
        proc, url = nginx(size, work)
        ceiling = wrk(url, seconds)
        proc.terminate()
        proc.wait()

        # wrk and the server share the cores above, and the tail is the
        # scheduler's as much as the server's: measure the link page and
        # nginx again with the server confined to one core and wrk kept
        # off it, as clients on other machines would be.
        cores = sorted(os.sched_getaffinity(0))
        apart = None
        if len(cores) >= 2:
            say("bench: the link page and nginx on one core, wrk on the others")
            on_one = ("taskset", "-c", str(cores[-1]))
            on_rest = ("taskset", "-c", ",".join(map(str, cores[:-1])))
            server = Server(big["dir"], wrapper=on_one)
            get_many(server.port, page, 50)
            apart_page = wrk(server.url(page), seconds, on_rest)
            server.stop()
            proc, url = nginx(size, work, on_one)
            apart = (apart_page, wrk(url, seconds, on_rest))
            proc.terminate()
            proc.wait()

        say("bench: instructions per request (callgrind)")
        n = 200 if quick else 2000
        ins_small = instructions_per_request(small["dir"], "/v/%s" % small["token"], n, work)
        ins_big = instructions_per_request(big["dir"], page, n, work)

        say("bench: start time, disk syncs")
        start = start_time(big["dir"], 3 if quick else 10)
        syncs = syncs_per_1000_views(big["dir"], page, 2 if quick else FLUSH_EVERY + 2)
        binary = os.path.getsize(BIN)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(what, value, target, ok):
        rows.append((what, value, target, "—" if ok is None else "yes" if ok else "NO"))

    row("nginx static (%d B): requests/s, p50, p99" % size,
        "%.0f/s, %.2f ms, %.2f ms" % (ceiling["rps"], ceiling["p50"], ceiling["p99"]), "the ceiling", None)
    for name, r in results.items():
        ratio = r["rps"] / ceiling["rps"]
        value = "%.0f/s (%.3f × nginx), %.2f ms, %.2f ms" % (r["rps"], ratio, r["p50"], r["p99"])
        if name == "GET /v/{token}":
            # Two targets in one row: say which is met.
            rows.append((name + ": requests/s, p50, p99", value, "≥ 0.5 × nginx, p99 ≤ 5 ms",
                         "throughput %s, p99 %s" % ("yes" if ratio >= 0.5 else "NO", "yes" if r["p99"] <= 5 else "NO")))
        else:
            row(name + ": requests/s, p50, p99", value, "(reported)", None)
    if apart:
        r, ceil = apart
        row("GET /v/{token}, server on one core and wrk on the others: requests/s, p50, p99",
            "%.0f/s (%.3f × nginx on one core: %.0f/s, p99 %.2f ms), %.2f ms, %.2f ms"
            % (r["rps"], r["rps"] / ceil["rps"], ceil["rps"], ceil["p99"], r["p50"], r["p99"]), "(reported)", None)
    else:
        row("GET /v/{token}, server on one core and wrk on the others", "one core only: not measured",
            "(reported)", None)
    row("instructions per link page request, %d appointments" % big_n, "%.0f" % ins_big, "≤ 150 000",
        ins_big <= 150_000)
    row("same with 100 appointments", "%.0f (%d appointments: %.2f ×)" % (ins_small, big_n, ins_big / ins_small),
        "%d case ≤ 1.2 × the 100 case" % big_n, ins_big <= 1.2 * ins_small)
    row("resident memory idle", "%.1f MB" % (idle_rss / 1024), "≤ 12 MB", idle_rss / 1024 <= 12)
    row("resident memory, peak under load", "%.1f MB" % (load_rss / 1024), "≤ 32 MB", load_rss / 1024 <= 32)
    row("stripped release binary", "%.2f MB" % (binary / 1e6), "≤ 8 MB", binary / 1e6 <= 8)
    row("start to first answer, %d appointments" % big_n, "%.1f ms" % (start * 1000), "≤ 50 ms", start <= 0.05)
    row("disk syncs per 1000 page views", "%d" % syncs, "≤ 10", syncs <= 10)

    print("| measure | result | target | met |")
    print("|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s |" % r)
    if quick:
        print("\n(--quick: a smoke run; run `make bench` for the figures.)")


if __name__ == "__main__":
    main()
