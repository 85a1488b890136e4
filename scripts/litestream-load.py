#!/usr/bin/env python3
"""`make bench-litestream`: what Litestream adds to a serving Porchlight,
at the practice's load and at `make bench` load, with and without
`litestream replicate` beside it.

Each of the two loads runs twice on a copy of the same seeded data
directory (examples/seed.rs), once with Porchlight alone and once with
Litestream replicating the database to a file replica in a temporary
directory (sync-interval 1 s, its control socket on, its metrics on
127.0.0.1 to read its checkpoint counts):

- the practice's load, a busy day compressed: a session every 40 s
  (a compressed hour of 8 sessions is 5 minutes), 2 or 3 clients each,
  booked beforehand. Each client opens their link page, says they are
  here (the page's script, every 20 s), presses Join (the waiting room is
  on), loads the waiting page and asks its status every 3 s, and enters
  once the clinician has started; one client of every session comes
  late and goes straight in. The clinician is signed in with the
  dashboard's waiting list polled every 4 s and the dashboard reloaded
  every minute, starts each session 20 s after its first client arrives,
  and with the command line books each session's follow-up a week on,
  moves every third follow-up and cancels every sixth;
- `make bench` load: wrk (2 threads, 32 connections) on the link page of
  an open link with 100 000 appointments, then the wait for the batched
  page views to be written (30 s);

and then a minute with no request at all (idle). Measured, per run:

- the WAL file's size, sampled every 100 ms (largest, and at the end),
  and its restarts (the WAL-index header's frame count going down);
- checkpoints, by who made them: Porchlight's (SQLite's automatic
  PASSIVE checkpoint at 1000 pages: the `fsync` of porchlight.db by the
  server, which writes to that file only when it checkpoints; strace)
  and Litestream's (its `litestream_checkpoint_count` by mode);
- bytes written to disk (`write_bytes` of /proc/PID/io) by the server,
  by Litestream, and by the commands the clinician ran (their rusage);
  `fsync`/`fdatasync` calls of the server and of Litestream (strace
  with a seccomp filter, so untraced system calls run at full speed);
- CPU time (utime + stime of /proc/PID/stat) per minute under load and
  idle, and context switches per second idle (a process that wakes);
- the replica's size and Litestream's own directory beside the database;
- lines of the server's stderr saying the database was busy or locked,
  and Litestream's errors.

Everything listens on 127.0.0.1. `--quick` is a smoke run of seconds.
"""
import argparse
import glob
import heapq
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in scripts/
import bench  # noqa: E402  (the release build, seeding, the server, wrk)

ROOT = bench.ROOT
BIN = bench.BIN
LITESTREAM = os.path.join(ROOT, "target", "pyenv", "bin", "litestream")
PASSWORD = "litestream load password"
TRACE = ["strace", "-f", "-qq", "--seccomp-bpf", "-y", "-s", "0", "-e", "signal=none"]
say = bench.say


# ---------------------------------------------------------------- processes

def children(pid):
    """Direct children of `pid` (through its main thread)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def traced_pid(wrapper_pid, program):
    """The process of `program` that strace runs (strace forks test
    children of its own first)."""
    for _ in range(500):
        for kid in children(wrapper_pid):
            try:
                if os.readlink("/proc/%d/exe" % kid) == os.path.realpath(program):
                    return kid
            except OSError:
                pass
        time.sleep(0.01)
    raise SystemExit("litestream-load: no traced process under strace %d" % wrapper_pid)


class Usage:
    """What /proc says a process has used so far: bytes written to disk,
    CPU seconds, context switches of all its threads."""

    def __init__(self, pid):
        with open("/proc/%d/io" % pid) as f:
            io = dict(line.split(": ") for line in f.read().splitlines())
        self.write_bytes = int(io["write_bytes"])
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of stat(5); [0] is field 3.
        self.cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        self.switches = 0
        for status in glob.glob("/proc/%d/task/*/status" % pid):
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                            self.switches += int(line.split()[-1])
            except OSError:
                pass

    def minus(self, before):
        return {"write_bytes": self.write_bytes - before.write_bytes, "cpu": self.cpu - before.cpu,
                "switches": self.switches - before.switches}


def syscalls(trace_file):
    """fsync/fdatasync calls in an strace log, and those of porchlight.db
    itself (checkpoints: only a checkpoint writes the database file in WAL
    mode), with the bytes written to it."""
    out = {"syncs": 0, "db_syncs": 0, "db_bytes": 0, "wal_bytes": 0}
    if not os.path.exists(trace_file):
        return out
    with open(trace_file) as f:
        for line in f:
            m = re.search(r"\b(fsync|fdatasync|pwrite64)\(\d+<([^>]*)>.*= (\d+)", line)
            if not m:
                continue
            call, path, result = m.group(1), m.group(2), int(m.group(3))
            if call == "pwrite64":
                if path.endswith("/porchlight.db"):
                    out["db_bytes"] += result
                elif path.endswith("/porchlight.db-wal"):
                    out["wal_bytes"] += result
                continue
            out["syncs"] += 1
            if path.endswith("/porchlight.db"):
                out["db_syncs"] += 1
    return out


class Porchlight(bench.Server):
    """`porchlight serve` under strace, its stderr kept."""

    def __init__(self, data, trace_file):
        self.lines = []
        super().__init__(data, wrapper=[*TRACE, "-e", "trace=fsync,fdatasync,pwrite64", "-o", trace_file])
        self.pid = traced_pid(self.proc.pid, BIN)

    def _drain(self, quiet):
        for line in self.proc.stderr:
            self.lines.append(line)

    def stop(self, sig=signal.SIGTERM):
        os.kill(self.pid, sig)
        self.proc.wait()


class Litestream:
    """`litestream replicate` of `data`/porchlight.db to a file replica."""

    def __init__(self, data, work, trace_file):
        self.dir = tempfile.mkdtemp(prefix="litestream-", dir=work)
        self.replica = os.path.join(self.dir, "replica")
        self.socket = os.path.join(self.dir, "control.sock")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.metrics_port = s.getsockname()[1]
        config = os.path.join(self.dir, "litestream.yml")
        with open(config, "w") as f:
            f.write("""addr: "127.0.0.1:%d"
socket:
  enabled: true
  path: %s
dbs:
  - path: %s
    replica:
      type: file
      path: %s
      sync-interval: 1s
""" % (self.metrics_port, self.socket, os.path.join(data, "porchlight.db"), self.replica))
        self.log = open(os.path.join(self.dir, "litestream.log"), "w+")
        self.proc = subprocess.Popen(
            [*TRACE, "-e", "trace=fsync,fdatasync,pwrite64,write", "-o", trace_file,
             LITESTREAM, "replicate", "-config", config],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = traced_pid(self.proc.pid, LITESTREAM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = self.control("/list")
            dbs = (listed or {}).get("databases") or []
            if dbs and dbs[0].get("status") == "replicating" and dbs[0].get("last_sync_at"):
                return
            time.sleep(0.2)
        raise SystemExit("litestream-load: Litestream did not start replicating:\n" + self.errors())

    def control(self, path):
        """GET `path` on the control socket; its JSON, or None."""
        try:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(2)
            s.connect(self.socket)
            s.sendall(("GET %s HTTP/1.0\r\nHost: litestream\r\n\r\n" % path).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            return json.loads(data.split(b"\r\n\r\n", 1)[1])
        except (OSError, ValueError, IndexError):
            return None

    def checkpoints(self):
        """Litestream's checkpoints so far, by mode, and its failed ones."""
        conn = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=5)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        out = {"PASSIVE": 0, "TRUNCATE": 0, "errors": 0}
        for m in re.finditer(r'^litestream_checkpoint_(count|error_count)\{[^}]*mode="(\w+)"[^}]*\} (\S+)$', text, re.M):
            n = int(float(m.group(3)))
            if m.group(1) == "count":
                out[m.group(2)] = out.get(m.group(2), 0) + n
            else:
                out["errors"] += n
        return out

    def errors(self):
        self.log.flush()
        self.log.seek(0)
        return "".join(line for line in self.log if re.search(r"level=(ERROR|WARN)|busy|locked", line, re.I))

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)


def size_of(path):
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total


# -------------------------------------------------------------- the WAL

class WalWatch(threading.Thread):
    """Samples the WAL file's size and the WAL-index header (the -shm
    file) every 100 ms: the frame count (mxFrame) going down is a restart
    of the WAL, the backfill count (nBackfill) going up a checkpoint.
    Layout: https://www.sqlite.org/walformat.html (native byte order)."""

    def __init__(self, data):
        super().__init__(daemon=True)
        self.wal = os.path.join(data, "porchlight.db-wal")
        self.shm = os.path.join(data, "porchlight.db-shm")
        self.max_size = 0
        self.max_frames = 0
        self.restarts = 0
        self.backfills = 0
        self.series = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def sample(self):
        try:
            size = os.path.getsize(self.wal)
        except OSError:
            size = 0
        frames = backfill = None
        try:
            with open(self.shm, "rb") as f:
                head = f.read(132)
            if len(head) >= 132:
                frames = struct.unpack_from("=I", head, 16)[0]
                backfill = struct.unpack_from("=I", head, 96)[0]
        except OSError:
            pass
        return size, frames, backfill

    def run(self):
        last_frames = last_backfill = None
        while not self.halt.is_set():
            size, frames, backfill = self.sample()
            self.max_size = max(self.max_size, size)
            if frames is not None:
                self.max_frames = max(self.max_frames, frames)
                if last_frames is not None and frames < last_frames:
                    self.restarts += 1
                if last_backfill is not None and backfill > last_backfill:
                    self.backfills += 1
                last_frames, last_backfill = frames, backfill
            self.series.append((round(time.monotonic() - self.t0, 1), size, frames))
            time.sleep(0.1)

    def stop(self):
        self.halt.set()
        self.join()


# ------------------------------------------------------- the practice's day

class Browser:
    """One HTTP/1.1 connection with cookies, as a phone or the
    clinician's laptop keeps one."""

    def __init__(self, port, counts):
        self.port, self.counts, self.cookies = port, counts, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                # The server closes idle keep-alive connections: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        self.counts["requests"] += 1
        if r.status >= 500:
            self.counts["errors"] += 1
        return r.status, r.headers, text

    def form(self, path, fields):
        body = "&".join("%s=%s" % (k, str(v).replace(" ", "+")) for k, v in fields.items())
        return self.send("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                              "Origin": "http://127.0.0.1:%d" % self.port})

    def here(self, token):
        return self.send("POST", "/v/%s/here" % token, "{}", {"Content-Type": "application/json"})


def cli(data, *args, stdin=None):
    out = subprocess.run([BIN, "--data", data, *args], input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("litestream-load: porchlight %s failed: %s" % (" ".join(args), out.stderr))
    return out.stdout


def csrf_of(page):
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def prepare_day(data, sessions, every, lead):
    """Book the day's sessions (2 or 3 clients each) on the command line;
    each one's participants' tokens and the first arrival's offset."""
    cli(data, "admin", "password", stdin=PASSWORD + "\n")
    cli(data, "settings", "set", "video_url_template", "https://meet.example.org/{room}")
    now = time.time()
    day = []
    for s in range(sessions):
        ids = [json.loads(cli(data, "client", "add", "--name", "Day %d Client %d" % (s, c), "--json"))["id"]
               for c in range(2 + s % 2)]
        start = now + lead + s * every + 20
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
        args = ["appt", "add", "--start", at, "--minutes", "50", "--json"]
        for i in ids:
            args += ["--client", str(i)]
        appt = json.loads(cli(data, *args))
        tokens = [p["link"].rsplit("/", 1)[1] for p in appt["participants"]]
        day.append({"id": appt["id"], "clients": ids, "tokens": tokens, "offset": s * every})
    return day


def practice_day(port, data, day, seconds, seed):
    """Run the day against the server for `seconds`; the request counts
    and the commands' disk writes and CPU time (their rusage)."""
    rnd = random.Random(seed)
    counts = {"requests": 0, "errors": 0, "commands": 0}
    lock = threading.Lock()
    started = {}
    t0 = time.monotonic()
    end = t0 + seconds
    threads = []

    def wait_until(t):
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def client(session, token, arrive, late):
        wait_until(t0 + arrive)
        if time.monotonic() >= end:
            return
        b = Browser(port, counts)
        b.send("GET", "/v/%s" % token)
        b.here(token)
        status, headers, _ = b.form("/v/%s/join" % token, {})
        last_here = time.monotonic()
        if status == 303 and headers["Location"].endswith("/wait"):
            b.send("GET", "/v/%s/wait" % token)
            while time.monotonic() < end:
                time.sleep(3)
                if time.monotonic() - last_here >= 20:
                    b.here(token)
                    last_here = time.monotonic()
                _, _, body = b.send("GET", "/v/%s/wait/status" % token)
                if json.loads(body).get("ready"):
                    b.form("/v/%s/enter" % token, {})
                    break

    def clinician():
        b = Browser(port, counts)
        _, _, page = b.send("GET", "/admin/login")
        status, _, _ = b.form("/admin/login", {"csrf": csrf_of(page), "password": PASSWORD})
        if status != 303:
            raise SystemExit("litestream-load: the clinician could not sign in (%d)" % status)
        _, _, page = b.send("GET", "/admin")
        csrf = csrf_of(page)
        events = []
        for s in day:
            heapq.heappush(events, (s["offset"] + 20, "start", s["id"]))
        t = 4
        while t < seconds:
            heapq.heappush(events, (t, "waiting", None))
            if t % 60 == 0:
                heapq.heappush(events, (t, "dashboard", None))
            t += 4
        follow_ups = []
        while events:
            at, what, appt = heapq.heappop(events)
            wait_until(t0 + at)
            if time.monotonic() >= end:
                break
            if what == "waiting":
                b.send("GET", "/admin/api/waiting")
            elif what == "dashboard":
                _, _, page = b.send("GET", "/admin")
            else:
                b.form("/admin/appointments/%d/start" % appt, {"csrf": csrf})
                with lock:
                    started[appt] = True
                s = next(x for x in day if x["id"] == appt)
                # The follow-up a week on, then now and then a move or a
                # cancellation, as a clinician does between sessions.
                later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
                args = ["appt", "add", "--start", later, "--minutes", "50", "--json"]
                for i in s["clients"]:
                    args += ["--client", str(i)]
                follow_ups.append(json.loads(cli(data, *args))["id"])
                counts["commands"] += 1
                n = len(follow_ups)
                if n % 3 == 0:
                    moved = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 8 * 86400))
                    cli(data, "appt", "move", str(follow_ups[-2]), "--start", moved, "--force")
                    counts["commands"] += 1
                if n % 6 == 0:
                    cli(data, "appt", "cancel", str(follow_ups[-3]))
                    counts["commands"] += 1

    def guarded(target, *a):
        # A failing client or clinician is a failed run, not a quiet gap.
        def body():
            try:
                target(*a)
            except BaseException as e:  # noqa: BLE001
                with lock:
                    counts.setdefault("failures", []).append("%s: %r" % (target.__name__, e))
        return threading.Thread(target=body)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    threads.append(guarded(clinician))
    for s in day:
        tokens = s["tokens"]
        for i, token in enumerate(tokens):
            late = i == len(tokens) - 1
            # Most arrive in the 20 s before the clinician starts; the
            # last one comes after, and goes straight in.
            arrive = s["offset"] + (25 + rnd.uniform(0, 10) if late else rnd.uniform(0, 18))
            threads.append(guarded(client, s, token, arrive, late))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, end - time.monotonic() + 10))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts["command_write_bytes"] = (after.ru_oublock - before.ru_oublock) * 512
    counts["command_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    wait_until(end)
    if counts.get("failures"):
        raise SystemExit("litestream-load: the day failed:\n" + "\n".join(counts["failures"]))
    return counts


# ------------------------------------------------------------------- a run

def run(kind, template, work, with_litestream, args):
    """One load on a fresh copy of `template`; the figures."""
    label = "%s, %s" % (kind, "with Litestream" if with_litestream else "alone")
    say("litestream-load: %s" % label)
    data = tempfile.mkdtemp(prefix="data-", dir=work)
    shutil.rmtree(data)
    shutil.copytree(template["dir"], data)
    os.chmod(data, 0o700)
    traces = {"porchlight": os.path.join(work, "%s-%d-porchlight.strace" % (kind, with_litestream)),
              "litestream": os.path.join(work, "%s-%d-litestream.strace" % (kind, with_litestream))}
    server = Porchlight(data, traces["porchlight"])
    try:
        return measure(kind, template, work, with_litestream, args, data, traces, server, label)
    finally:
        # A failed run leaves nothing running behind it.
        for proc in (server, getattr(server, "lite", None)):
            if proc is not None and proc.proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def measure(kind, template, work, with_litestream, args, data, traces, server, label):
    day = None
    if kind == "practice":
        sessions = max(1, int(args.practice_seconds // args.every) + 1)
        day = prepare_day(data, sessions, args.every, lead=10)
    lite = Litestream(data, work, traces["litestream"]) if with_litestream else None
    server.lite = lite
    time.sleep(2)
    watch = WalWatch(data)
    watch.start()
    procs = {"porchlight": server.pid}
    if lite:
        procs["litestream"] = lite.pid
    base = {k: Usage(p) for k, p in procs.items()}
    base_checkpoints = lite.checkpoints() if lite else None
    t0 = time.monotonic()
    extra = {}
    if kind == "practice":
        extra = practice_day(server.port, data, day, args.practice_seconds, seed=23)
    else:
        extra = bench.wrk(server.url("/v/%s" % template["token"]), args.bench_seconds)
        time.sleep(args.flush_wait)
    load_seconds = time.monotonic() - t0
    loaded = {k: Usage(p).minus(base[k]) for k, p in procs.items()}
    wal_end_load = watch.sample()[0]
    mid = {k: Usage(p) for k, p in procs.items()}
    time.sleep(args.idle_seconds)
    idle = {k: Usage(p).minus(mid[k]) for k, p in procs.items()}
    watch.stop()
    wal_end_idle = watch.sample()[0]
    figures = {
        "label": label, "load_seconds": load_seconds, "idle_seconds": args.idle_seconds,
        "wal_max": watch.max_size, "wal_max_frames": watch.max_frames, "wal_end_load": wal_end_load,
        "wal_end_idle": wal_end_idle, "wal_restarts": watch.restarts, "backfills": watch.backfills,
        "load": loaded, "idle": idle, "extra": extra,
        "wal_series": watch.series[:: max(1, len(watch.series) // 400)],
    }
    if lite:
        checkpoints = lite.checkpoints()
        figures["litestream_checkpoints"] = {k: checkpoints.get(k, 0) - base_checkpoints.get(k, 0)
                                             for k in ("PASSIVE", "TRUNCATE", "errors")}
        figures["litestream_errors"] = lite.errors()
        lite.stop()
        figures["replica_bytes"] = size_of(lite.replica)
        figures["meta_bytes"] = size_of(os.path.join(data, ".porchlight.db-litestream"))
    server.stop()
    figures["busy_lines"] = [line for line in server.lines if re.search(r"busy|locked", line, re.I)]
    figures["db_bytes"] = os.path.getsize(os.path.join(data, "porchlight.db"))
    # The traces cover start-up and shutdown as well: counts per minute are
    # taken over the whole traced time, stated as such.
    figures["trace"] = {k: syscalls(v) for k, v in traces.items()}
    return figures


# ---------------------------------------------------------------- the table

def kib(n):
    return "%.0f KiB" % (n / 1024) if n < 10 * 1024 * 1024 else "%.1f MiB" % (n / 1048576)


def table(results):
    cols = [("practice", False), ("practice", True), ("bench", False), ("bench", True)]
    heads = ["practice, alone", "practice, + Litestream", "bench, alone", "bench, + Litestream"]
    got = [results.get("%s-%d" % c) for c in cols]

    def cell(r, f):
        if r is None:
            return "—"
        try:
            return f(r)
        except (KeyError, TypeError):
            return "—"

    def per_min(r, phase, who, key, scale=1.0):
        u = r[phase].get(who)
        if u is None:
            return None
        return u[key] * scale * 60 / r["%s_seconds" % phase]

    rows = [
        ("load (s) / requests", lambda r: "%.0f s / %s" % (
            r["load_seconds"], r["extra"].get("requests", "wrk %.0f/s" % r["extra"].get("rps", 0)))),
        ("WAL largest (frames)", lambda r: "%s (%d)" % (kib(r["wal_max"]), r["wal_max_frames"])),
        ("WAL at end of load / after the idle minute", lambda r: "%s / %s" % (kib(r["wal_end_load"]), kib(r["wal_end_idle"]))),
        ("WAL restarts", lambda r: "%d" % r["wal_restarts"]),
        ("checkpoints by Porchlight (autocheckpoint; bytes into the database)",
         lambda r: "%d (%s)" % (r["trace"]["porchlight"]["db_syncs"], kib(r["trace"]["porchlight"]["db_bytes"]))),
        ("checkpoints by Litestream: PASSIVE / TRUNCATE / failed",
         lambda r: "%(PASSIVE)d / %(TRUNCATE)d / %(errors)d" % r["litestream_checkpoints"]),
        ("disk writes under load, Porchlight", lambda r: "%s/min" % kib(per_min(r, "load", "porchlight", "write_bytes"))),
        ("disk writes under load, Litestream", lambda r: "%s/min" % kib(per_min(r, "load", "litestream", "write_bytes"))),
        ("disk writes, clinician's commands (total)", lambda r: "%s (%d commands)" % (
            kib(r["extra"]["command_write_bytes"]), r["extra"]["commands"])),
        ("disk writes idle, Porchlight / Litestream", lambda r: "%s/min / %s" % (
            kib(per_min(r, "idle", "porchlight", "write_bytes")),
            ("%s/min" % kib(per_min(r, "idle", "litestream", "write_bytes"))) if "litestream" in r["idle"] else "—")),
        ("fsync+fdatasync, whole run: Porchlight / Litestream", lambda r: "%d / %s" % (
            r["trace"]["porchlight"]["syncs"], r["trace"]["litestream"]["syncs"] if "litestream" in r["load"] else "—")),
        ("CPU under load, Porchlight / Litestream", lambda r: "%.2f s/min / %s" % (
            per_min(r, "load", "porchlight", "cpu"),
            ("%.2f s/min" % per_min(r, "load", "litestream", "cpu")) if "litestream" in r["load"] else "—")),
        ("CPU idle, Porchlight / Litestream", lambda r: "%.3f s/min / %s" % (
            per_min(r, "idle", "porchlight", "cpu"),
            ("%.3f s/min" % per_min(r, "idle", "litestream", "cpu")) if "litestream" in r["idle"] else "—")),
        ("context switches idle, Porchlight / Litestream", lambda r: "%.1f/s / %s" % (
            per_min(r, "idle", "porchlight", "switches") / 60,
            ("%.1f/s" % (per_min(r, "idle", "litestream", "switches") / 60)) if "litestream" in r["idle"] else "—")),
        ("replica / Litestream's directory beside the database (database)", lambda r: "%s / %s (%s)" % (
            kib(r["replica_bytes"]), kib(r["meta_bytes"]), kib(r["db_bytes"]))),
        ("server stderr: busy or locked", lambda r: "%d lines" % len(r["busy_lines"])),
    ]
    print("| measure | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for name, f in rows:
        print("| %s | %s |" % (name, " | ".join(cell(r, f) for r in got)))
    print("| seconds lost in the kill test | from tests/it/replica.rs |||")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run of seconds")
    ap.add_argument("--only", choices=["practice", "bench"], help="one of the two loads")
    ap.add_argument("--json", help="also write every figure, with the WAL's size over time, to this file")
    args = ap.parse_args()
    args.every = 40
    args.practice_seconds = 50 if args.quick else 300
    args.bench_seconds = 10 if args.quick else 60
    args.flush_wait = 5 if args.quick else bench.FLUSH_EVERY + 2
    args.idle_seconds = 10 if args.quick else 60
    bench.need([("wrk", "wrk"), ("strace", "strace")])
    if not os.path.exists(LITESTREAM):
        subprocess.run(["bash", os.path.join(ROOT, "tests", "python", "setup")], check=True)
    bench.build()
    work = tempfile.mkdtemp(prefix="porchlight-litestream-")
    results = {}
    try:
        kinds = [args.only] if args.only else ["practice", "bench"]
        for kind in kinds:
            template = bench.seed(2000 if kind == "practice" else (1000 if args.quick else 100_000), work)
            for with_litestream in (False, True):
                results["%s-%d" % (kind, with_litestream)] = run(kind, template, work, with_litestream, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    table(results)
    for key, r in results.items():
        for line in r["busy_lines"]:
            say("%s: server said: %s" % (r["label"], line.rstrip()))
        if r.get("litestream_errors"):
            say("%s: Litestream said:\n%s" % (r["label"], r["litestream_errors"]))
    if args.quick:
        print("\n(--quick: a smoke run; run `make bench-litestream` for the figures.)")


if __name__ == "__main__":
    main()
