#!/usr/bin/env python3
"""Hostile-traffic soak: normal readers while attackers replay the hostile corpus.

Two phases on one fresh server (see bench/soak/README.md):

1. baseline: READERS keep-alive connections of normal readers (REST lists and items, OGC items,
   SPARQL lookups; Accept-Encoding: gzip, br) and a steward publishing every PUBLISH_EVERY
   seconds, for BASELINE;
2. attack: the same readers and steward, plus ATTACKERS connections replaying every case of
   tests/hostile/ in a loop, for DURATION.

Throughout, the server's resident memory is sampled every SAMPLE_EVERY seconds, and a server
that exits is counted as a crash and started again. The report (printed, and written to
bench/soak/results/soak-<stamp>.json and .md) gives crashes (must be 0), 5xx answers to readers
(must be 0), reader p50/p99 per phase, resident memory over time, attacker answers by status,
and publishes completed. Exit status 1 when a crash or a 5xx to a reader happened, or memory grew.

Standard library only. Settings come from the environment (see README.md).
"""

import csv
import http.client
import io
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "bench" / "soak"
CORPUS = ROOT / "tests" / "hostile"

# The settings the corpus runner (tests/http/hostile.rs) gives its server, so each case meets
# the limits it was written for; the rate limit is off because readers and attackers share
# 127.0.0.1 (the corpus has its own rate-limit case).
SERVER_ENV = {
    "DATAHAMN_RATE_LIMIT": "0",
    "DATAHAMN_SPARQL_TIMEOUT": "2",
    "DATAHAMN_MAX_UPLOAD_MB": "1",
    "DATAHAMN_LOG": "warn",
}


def seconds(text):
    """`600`, `600s`, `10m` or `1h` as seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not m:
        sys.exit(f"soak: not a duration: {text!r} (use 600, 30s, 10m)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def setting(name, default):
    return os.environ.get(name, default)


DURATION = seconds(setting("DURATION", "10m"))
BASELINE = seconds(setting("BASELINE", "2m"))
# Before the baseline, the steward publishes every WARMUP_PUBLISH_EVERY for WARMUP, so that the
# store's block caches (fixed sizes inside oxigraph's RocksDB set-up; see README.md) are full
# when memory starts to be judged.
WARMUP = seconds(setting("WARMUP", "8m"))
WARMUP_PUBLISH_EVERY = seconds(setting("WARMUP_PUBLISH_EVERY", "3"))
READERS = int(setting("READERS", "32"))
READER_PROCS = max(1, min(READERS, int(setting("READER_PROCS", "4"))))
ATTACKERS = int(setting("ATTACKERS", "4"))
PUBLISH_EVERY = seconds(setting("PUBLISH_EVERY", "30"))
SAMPLE_EVERY = seconds(setting("SAMPLE_EVERY", "5"))
BIN = Path(setting("DATAHAMN_BIN", str(ROOT / "target" / "release" / "datahamn")))
# Memory counts as flat when the median of the attack phase's last third is at most this many
# times the median of its first third.
RSS_GROWTH_LIMIT = float(setting("RSS_GROWTH_LIMIT", "1.25"))
ATTACK_TIMEOUT = 60.0


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the server


class Server:
    """`datahamn serve` over one data directory; restarted on the same port after a crash."""

    def __init__(self, work):
        self.work = Path(work)
        self.data = self.work / "data"
        self.data.mkdir()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.crashes = []
        self.lock = threading.Lock()
        self.start()

    def start(self):
        env = dict(os.environ, **SERVER_ENV)
        env.update({k: v for k, v in os.environ.items() if k.startswith("DATAHAMN_") and k != "DATAHAMN_BIN"})
        logfile = open(self.work / "server.log", "ab")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--data-dir", str(self.data), "--listen", f"127.0.0.1:{self.port}",
             "--base-url", self.base, "--datasets-dir", str(ROOT / "datasets")],
            env=env, stdout=logfile, stderr=logfile, cwd=ROOT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"soak: the server exited at start; see {self.work}/server.log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit("soak: the server did not answer /healthz within 120 s")

    def watch(self, restart=True):
        """Counts an exit as a crash and (unless the run is over) starts the server again."""
        with self.lock:
            code = self.proc.poll()
            if code is None:
                return
            try:
                tail = (self.work / "server.log").read_text(errors="replace").splitlines()
            except OSError:
                tail = []
            why = [line for line in tail[-200:] if re.search(r"panicked|overflow|fatal|abort|memory", line)]
            self.crashes.append({"at": time.time(), "exit": code, "log": why[-3:]})
            log(f"CRASH: the server exited with {code}" + ("; starting it again" if restart else ""))
            if restart:
                self.start()

    def memory_mb(self):
        """Resident memory in MB: all of it (`VmRSS`), and of it the anonymous part (`RssAnon`,
        the heap and the allocator's arenas) and the file-backed part (`RssFile`)."""
        fields = {"VmRSS:": "rss_mb", "RssAnon:": "anon_mb", "RssFile:": "file_mb"}
        out = {}
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                key = line.split(maxsplit=1)[0] if line else ""
                if key in fields:
                    out[fields[key]] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return out if "rss_mb" in out else None

    def token(self, org):
        out = subprocess.run(
            [str(BIN), "token", "create", "--data-dir", str(self.data), "--org", org, "--name", f"soak {org}"],
            capture_output=True, text=True, check=True,
        )
        return out.stdout.strip()

    def token_admin(self):
        out = subprocess.run(
            [str(BIN), "token", "create", "--data-dir", str(self.data), "--admin", "--name", "soak admin"],
            capture_output=True, text=True, check=True,
        )
        return out.stdout.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- readers


def reader_requests(base):
    """What a normal reader asks: REST, OGC and SPARQL lookups that answer 200. None reads
    Härryda's datasets, which the corpus' steward cases write to (a case the server wrongly
    accepts may replace them), nor the dataset the steward publishes."""
    water = f"{base}/id/hav-badvatten/SE0110114000001599"
    lookups = [
        (f"SELECT ?name WHERE {{ <{water}> <https://schema.org/name> ?name }}", "application/sparql-results+json"),
        (f"DESCRIBE <{water}>", "text/turtle"),
        (f"ASK {{ <{water}> ?p ?o }}", "application/sparql-results+json"),
    ]
    from urllib.parse import quote

    return [
        ("/api/v1/bathing-sites?municipality=0114", "application/json"),
        ("/api/v1/bathing-sites?dataset=hav-badvatten&limit=50", "application/json"),
        ("/api/v1/items/hav-badvatten:SE0110114000001599", "application/json"),
        ("/api/v1/items/goteborg-badhus:valhallabadet", "application/json"),
        ("/api/v1/datasets", "application/json"),
        ("/api/v1/swimming-pools", "application/geo+json"),
        ("/ogc/collections/bathing-sites/items?limit=20", "application/geo+json"),
        ("/ogc/collections/bathing-sites/items?bbox=17.5,59.3,18.5,59.8&limit=50", "application/geo+json"),
        ("/ogc/collections", "application/json"),
    ] + [(f"/sparql?query={quote(q)}", accept) for q, accept in lookups]


def readable(body, coding):
    """The start of an answer's body as text (gzip undone; brotli is not in the standard library)."""
    if coding == "gzip":
        try:
            body = zlib.decompress(body, 47)
        except zlib.error:
            return "(gzip, not readable)"
    elif coding:
        return f"({coding}-compressed)"
    return body[:300].decode("utf-8", "replace")


def reader_proc(port, base, connections, until_phase, results):
    """One process of readers: `connections` threads, each on its own keep-alive connection."""
    requests = reader_requests(base)
    lock = threading.Lock()
    out = {"latencies": {}, "statuses": {}, "errors": 0, "samples_5xx": [], "busy_503": 0}

    def one(seed):
        rnd = random.Random(seed)
        conn = None
        local_lat = {}
        local_status = {}
        errors = 0
        busy = 0
        samples = []
        while True:
            phase = until_phase.value.decode()
            if phase == "stop":
                break
            path, accept = rnd.choice(requests)
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers={"Accept": accept, "Accept-Encoding": "gzip, br"})
                resp = conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - started
                local_lat.setdefault(phase, []).append(elapsed)
                key = (phase, resp.status)
                local_status[key] = local_status.get(key, 0) + 1
                if resp.status == 503 and resp.getheader("retry-after"):
                    busy += 1
                if resp.status >= 500 and len(samples) < 5:
                    samples.append({"phase": phase, "path": path, "status": resp.status,
                                    "retry_after": resp.getheader("retry-after"),
                                    "body": readable(body, resp.getheader("content-encoding"))})
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
        with lock:
            for phase, lat in local_lat.items():
                out["latencies"].setdefault(phase, []).extend(lat)
            for key, n in local_status.items():
                k = f"{key[0]}:{key[1]}"
                out["statuses"][k] = out["statuses"].get(k, 0) + n
            out["errors"] += errors
            out["busy_503"] += busy
            out["samples_5xx"].extend(samples)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


# ---------------------------------------------------------------- attackers


def load_corpus():
    """Every corpus case the shared server can take (a case with its own `[server]` is skipped)."""
    only = [c for c in setting("CASES", "").split(",") if c]
    cases = []
    for path in sorted(CORPUS.rglob("*.toml")):
        if only and not any(c in str(path.relative_to(CORPUS)) for c in only):
            continue
        case = tomllib.loads(path.read_text())
        if case.get("server"):
            continue
        case["_file"] = str(path.relative_to(ROOT))
        case["_dir"] = path.parent
        cases.append(case)
    return cases


def text_bytes(value, directory, i, base, tokens):
    """A case's text (a string, or parts) as bytes, as tests/http/hostile.rs builds it."""
    def sub(s):
        s = s.replace("${i}", str(i)).replace("${base}", base)
        for who, token in tokens.items():
            s = s.replace("${token:" + who + "}", token)
        return s.encode()

    if isinstance(value, str):
        return sub(value)
    out = bytearray()
    for part in value:
        if isinstance(part, str):
            out += sub(part)
        elif "repeat" in part:
            out += sub(part["repeat"]) * part["times"]
        elif "hex" in part:
            out += bytes.fromhex("".join(part["hex"].split()))
        elif "file" in part:
            out += (directory / part["file"]).read_bytes()
    return bytes(out)


def case_request(case, port, base, tokens, i):
    directory = case["_dir"]
    method = case.get("method", "GET")
    head = bytearray(f"{method} ".encode())
    head += text_bytes(case["path"], directory, i, base, tokens) + b" HTTP/1.1\r\n"
    headers = case.get("headers", [])
    has = lambda name: any(k.lower() == name for k, _ in headers)  # noqa: E731
    if not has("host"):
        head += f"Host: 127.0.0.1:{port}\r\n".encode()
    token = tokens.get(case.get("as", "anonymous"))
    if token:
        head += f"Authorization: Bearer {token}\r\n".encode()
    for name, value in headers:
        head += name.encode() + b": " + text_bytes(value, directory, i, base, tokens) + b"\r\n"
    if not has("connection"):
        head += b"Connection: close\r\n"
    body = text_bytes(case["body"], directory, i, base, tokens) if "body" in case else b""
    if body and not has("content-length") and not has("transfer-encoding"):
        head += f"Content-Length: {len(body)}\r\n".encode()
    return bytes(head) + b"\r\n" + body


def send_raw(port, data):
    """The status of the answer to raw request bytes (0: none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=ATTACK_TIMEOUT) as s:
        def write():
            try:
                s.sendall(data)
            except OSError:
                pass  # the server may refuse a body before reading it all
        w = threading.Thread(target=write)
        w.start()
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            while s.recv(65536):
                pass
        except OSError:
            pass
        w.join()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return int(m.group(1)) if m else 0


def attacker_proc(port, base, tokens, count, until_phase, results):
    cases = load_corpus()
    lock = threading.Lock()
    out = {"sent": 0, "statuses": {}, "no_answer": 0, "by_case_5xx": {}, "cases": len(cases)}

    def one(seed):
        rnd = random.Random(seed)
        order = list(range(len(cases)))
        i = 0
        while until_phase.value.decode() == "attack":
            rnd.shuffle(order)
            for n in order:
                if until_phase.value.decode() != "attack":
                    break
                case = cases[n]
                try:
                    status = send_raw(port, case_request(case, port, base, tokens, i))
                except OSError:
                    status = 0
                i += 1
                with lock:
                    out["sent"] += 1
                    out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
                    if status == 0:
                        out["no_answer"] += 1
                        time.sleep(0.1)
                    if status >= 500:
                        out["by_case_5xx"][case["_file"]] = out["by_case_5xx"].get(case["_file"], 0) + 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


# ---------------------------------------------------------------- the steward


def publisher(server, token, dataset, until_phase, out):
    """Publishes the dataset's file every PUBLISH_EVERY seconds, one description changed each
    time so every publish is a new version."""
    source = (ROOT / "datasets" / dataset / "data.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(source)))
    column = rows[0].index("description")
    n = 0
    next_at = time.monotonic()
    while until_phase.value.decode() != "stop":
        if time.monotonic() < next_at:
            time.sleep(0.2)
            continue
        next_at += WARMUP_PUBLISH_EVERY if until_phase.value.decode() == "warmup" else PUBLISH_EVERY
        n += 1
        changed = [list(r) for r in rows]
        changed[1][column] = f"{rows[1][column]} (soak {n})"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(changed)
        phase = until_phase.value.decode()
        started = time.perf_counter()
        try:
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            c.request("PUT", f"/api/v1/datasets/{dataset}/data", body=buf.getvalue().encode(),
                      headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"})
            r = c.getresponse()
            r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            status = 0
        out.append({"phase": phase, "status": status, "seconds": round(time.perf_counter() - started, 3)})


# ---------------------------------------------------------------- the run


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def main():
    if not BIN.exists():
        sys.exit(f"soak: no server binary at {BIN} (make build)")
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    work = tempfile.mkdtemp(prefix="datahamn-soak.")
    log(f"starting {BIN} (data in {work})")
    server = Server(work)
    try:
        return run(server, stamp)
    finally:
        server.stop()
        if os.environ.get("KEEP_WORK") == "1":
            log(f"server log: {work}/server.log")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(server, stamp):
    dataset = "molndal-badhus"
    publisher_org = tomllib.loads((ROOT / "datasets" / dataset / "dataset.toml").read_text())["publisher"]
    publish_token = server.token(publisher_org)
    attack_tokens = {"steward": server.token("1401"), "other-steward": server.token("1480"), "admin": server.token_admin()}

    phase = mp.Array("c", 16)
    phase.value = b"warmup" if WARMUP else b"baseline"
    results = mp.Queue()
    per_proc = [READERS // READER_PROCS + (1 if i < READERS % READER_PROCS else 0) for i in range(READER_PROCS)]
    readers = [mp.Process(target=reader_proc, args=(server.port, server.base, n, phase, results)) for n in per_proc]
    publishes = []
    steward = threading.Thread(target=publisher, args=(server, publish_token, dataset, phase, publishes))
    rss = []
    started = time.monotonic()

    def sample_until(deadline, label):
        while time.monotonic() < deadline:
            server.watch()
            mb = server.memory_mb()
            if mb is not None:
                rss.append({"t": round(time.monotonic() - started, 1), "phase": label, **mb})
            time.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.monotonic())))

    for p in readers:
        p.start()
    steward.start()
    if WARMUP:
        log(f"warm-up: {READERS} readers and a steward publishing {dataset} every {WARMUP_PUBLISH_EVERY:g} s, for {WARMUP:g} s")
        sample_until(time.monotonic() + WARMUP, "warmup")
        phase.value = b"baseline"
    log(f"baseline: {READERS} readers and a steward publishing {dataset} every {PUBLISH_EVERY:g} s, for {BASELINE:g} s")
    sample_until(time.monotonic() + BASELINE, "baseline")

    corpus = load_corpus()
    log(f"attack: {ATTACKERS} attackers replaying {len(corpus)} corpus cases, for {DURATION:g} s")
    phase.value = b"attack"
    attackers = mp.Process(target=attacker_proc, args=(server.port, server.base, attack_tokens, ATTACKERS, phase, results))
    attackers.start()
    sample_until(time.monotonic() + DURATION, "attack")

    phase.value = b"stop"
    log("stopping: waiting for readers, attackers and the steward to finish their requests")
    outs = [results.get(timeout=ATTACK_TIMEOUT * 3) for _ in range(len(readers) + 1)]
    for p in readers + [attackers]:
        p.join(timeout=30)
    steward.join(timeout=150)
    server.watch(restart=False)

    attack = next(o for o in outs if "sent" in o)
    reads = [o for o in outs if "latencies" in o]
    latencies = {"baseline": [], "attack": []}
    statuses = {}
    samples = []
    errors = 0
    busy = 0
    for o in reads:
        for ph, lat in o["latencies"].items():
            latencies.setdefault(ph, []).extend(lat)
        for k, n in o["statuses"].items():
            statuses[k] = statuses.get(k, 0) + n
        samples.extend(o["samples_5xx"])
        errors += o["errors"]
        busy += o["busy_503"]
    reader_5xx = sum(n for k, n in statuses.items() if int(k.split(":")[1]) >= 500)

    def phase_stats(ph, seconds_):
        lat = latencies.get(ph, [])
        return {
            "requests": len(lat),
            "rps": round(len(lat) / seconds_, 1) if seconds_ else None,
            "p50_ms": round(percentile(lat, 50) * 1000, 2) if lat else None,
            "p99_ms": round(percentile(lat, 99) * 1000, 2) if lat else None,
            "statuses": {k.split(":")[1]: n for k, n in sorted(statuses.items()) if k.startswith(ph + ":")},
        }

    attack_rss = [s["rss_mb"] for s in rss if s["phase"] == "attack"]
    third = max(1, len(attack_rss) // 3)
    first, last = attack_rss[:third], attack_rss[-third:]
    growth = (statistics.median(last) / statistics.median(first)) if first and last else None
    report = {
        "stamp": stamp,
        "settings": {"duration_s": DURATION, "baseline_s": BASELINE, "warmup_s": WARMUP,
                     "warmup_publish_every_s": WARMUP_PUBLISH_EVERY, "readers": READERS, "attackers": ATTACKERS,
                     "publish_every_s": PUBLISH_EVERY, "sample_every_s": SAMPLE_EVERY, "server_env": SERVER_ENV,
                     "corpus_cases": len(corpus)},
        "crashes": server.crashes,
        "readers": {"5xx": reader_5xx, "busy_503_with_retry_after": busy, "connection_errors": errors, "samples_5xx": samples[:10],
                    "baseline": phase_stats("baseline", BASELINE), "attack": phase_stats("attack", DURATION)},
        "attackers": attack,
        "publishes": {"attempted": len(publishes), "completed": sum(1 for p in publishes if 200 <= p["status"] < 300),
                      "each": publishes},
        "rss_mb": {"samples": rss, "max": max((s["rss_mb"] for s in rss), default=None),
                   "attack_first_third_median": round(statistics.median(first), 1) if first else None,
                   "attack_last_third_median": round(statistics.median(last), 1) if last else None,
                   "growth": round(growth, 3) if growth else None},
    }
    report["verdict"] = {
        "no_crash": not server.crashes,
        "no_5xx_to_readers": reader_5xx == 0,
        "memory_flat": growth is not None and growth <= RSS_GROWTH_LIMIT,
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"soak-{stamp}.json").write_text(json.dumps(report, indent=1) + "\n")
    md = markdown(report)
    (out_dir / f"soak-{stamp}.md").write_text(md)
    print(md)
    return 0 if all(report["verdict"].values()) else 1


def markdown(r):
    s, rd, at, pub, mem = r["settings"], r["readers"], r["attackers"], r["publishes"], r["rss_mb"]
    yes = lambda ok: "yes" if ok else "**NO**"  # noqa: E731
    lines = [
        f"# Hostile-traffic soak {r['stamp']}",
        "",
        f"{s['readers']} readers (keep-alive, `Accept-Encoding: gzip, br`), a steward publishing every "
        f"{s['publish_every_s']:g} s; a warm-up of {s['warmup_s']:g} s publishing every {s['warmup_publish_every_s']:g} s, "
        f"baseline {s['baseline_s']:g} s without attackers, then {s['duration_s']:g} s with "
        f"{s['attackers']} attackers replaying {s['corpus_cases']} corpus cases. Server settings: "
        + ", ".join(f"`{k}={v}`" for k, v in s["server_env"].items()) + ".",
        "",
        "| check | result | pass |",
        "|---|---|:-:|",
        f"| crashes | {len(r['crashes'])} | {yes(r['verdict']['no_crash'])} |",
        f"| 5xx answers to readers (of them 503 with Retry-After: {rd['busy_503_with_retry_after']}) | {rd['5xx']} | {yes(r['verdict']['no_5xx_to_readers'])} |",
        f"| resident memory, attack phase: last third / first third (medians) | "
        f"{mem['attack_last_third_median']} / {mem['attack_first_third_median']} MB = {mem['growth']} | {yes(r['verdict']['memory_flat'])} |",
        f"| publishes completed | {pub['completed']} of {pub['attempted']} | |",
        "",
        "| readers | requests | req/s | p50 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for ph in ("baseline", "attack"):
        x = rd[ph]
        lines.append(f"| {ph} | {x['requests']} | {x['rps']} | {x['p50_ms']} | {x['p99_ms']} | "
                     + ", ".join(f"{k}: {n}" for k, n in x["statuses"].items()) + " |")
    lines += [
        "",
        f"Reader connection errors: {rd['connection_errors']}. Attackers: {at['sent']} requests, statuses "
        + ", ".join(f"{k}: {n}" for k, n in sorted(at["statuses"].items()))
        + f" (0: no answer); 5xx by case: {json.dumps(at['by_case_5xx']) if at['by_case_5xx'] else 'none'}.",
        "",
        "Resident memory (MB) over time:",
        "",
        "| t (s) | phase | RSS MB | anonymous | file-backed |",
        "|---:|---|---:|---:|---:|",
    ]
    samples = mem["samples"]
    step = max(1, len(samples) // 24)
    for x in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        lines.append(f"| {x['t']} | {x['phase']} | {x['rss_mb']} | {x.get('anon_mb', '')} | {x.get('file_mb', '')} |")
    if r["crashes"]:
        lines += ["", "Crashes:"] + [f"- exit {c['exit']}: " + " / ".join(c["log"]) for c in r["crashes"]]
    if rd["samples_5xx"]:
        lines += ["", "5xx to readers (first few):"] + [
            f"- {x['phase']}: {x['status']} (Retry-After: {x['retry_after']}) `{x['path']}`: {x['body']}" for x in rd["samples_5xx"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
