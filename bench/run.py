"""Drive the real server over HTTP on loopback with 1, 10 and 50 concurrent simulated users.

Usage:
    .venv/bin/python bench/run.py --data-dir /tmp/practice [--label medium] [--levels 1,10,50] [--duration 20]
        [--plain | --database-url postgres://postgres@127.0.0.1:5432/intramuros_bench]
        [--workers N --threads N] [--port 8765] [--settings MODULE] [--think SECONDS]

The data directory comes from bench/generate.py. The server is started exactly as a practice starts it,
`intramuros serve --insecure-http --host 127.0.0.1 --port P --no-worker` (granian, WSGI), on:
  - the encrypted embedded database (default);
  - --plain: the same data, exported with sqlcipher_export into an unencrypted file and served by the same
    SQLite engine without a key (bench/lib/plain_settings.py): the cost of encryption is the difference;
  - --database-url: PostgreSQL (generate the data there with bench/generate.py --database-url).
Each simulated user is a thread with its own keep-alive connection and cookies. It logs in (a practitioner),
then loops for --duration seconds over a weighted mix: search patients (the htmx partial), open a patient
summary, open a consultation, save a consultation, view the agenda week, book an appointment, print a
prescription (PDF). Think time is zero by default: the figures are the server's capacity, not a user's day;
--think S gives each user a pause between actions (exponentially distributed, S seconds on average), the
pace of people at work, and the latencies they then see.
It prints p50/p95/p99 and throughput per action and level, the server's memory (RSS of granian and its
workers), and the command line; it writes bench/out/run-<label>.json and bench/out/run-<label>.svg.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

# action, weight (a practitioner's day: many searches and file openings, fewer writes).
MIX = [("search", 30), ("summary", 20), ("consultation", 15), ("save_consultation", 10), ("agenda_week", 12),
       ("book_appointment", 8), ("print_prescription", 5)]
TARGETS_P95_MS = {"search": 50, "summary": 100, "save_consultation": 150}
TARGET_RPS = 200


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--label", default="run")
    p.add_argument("--database-url", help="PostgreSQL database holding the generated practice")
    p.add_argument("--plain", action="store_true", help="serve an unencrypted copy (the same SQLite engine, without a key)")
    p.add_argument("--levels", default="1,10,50", help="concurrent users, comma-separated")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    p.add_argument("--workers", type=int, default=None,
                   help="granian processes (default: what `intramuros serve` starts, one per core, 2 to 8)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads per process (default: what `intramuros serve` starts)")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    p.add_argument("--settings", help="a settings module to try a change without editing the code (importable, "
                                      "e.g. through PYTHONPATH); not with --plain")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--think", type=float, default=0.0,
                   help="mean pause of a user between two actions, in seconds (default 0: capacity)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- environment and samples


def server_env(args) -> dict[str, str]:
    env = dict(os.environ, INTRAMUROS_DATA_DIR=str(Path(args.data_dir).resolve()), INTRAMUROS_HTTPS="0",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("INTRAMUROS_DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "intramuros.settings"
    if args.database_url:
        env["INTRAMUROS_DATABASE_URL"] = args.database_url
    if args.plain:
        env["DJANGO_SETTINGS_MODULE"] = "bench.lib.plain_settings"
    elif args.settings:
        env["DJANGO_SETTINGS_MODULE"] = args.settings
    return env


def prepare_plain(args) -> None:
    from bench.lib.dbtools import export_plain

    data = Path(args.data_dir).resolve()
    encrypted, plain = data / "intramuros.db", data / "intramuros-plain.db"
    if plain.exists() and plain.stat().st_mtime >= encrypted.stat().st_mtime:
        return
    print(f"Exporting an unencrypted copy to {plain} (sqlcipher_export)...", flush=True)
    export_plain(encrypted, data / "keys" / "db.key", plain)


def load_samples(env: dict[str, str], seed: int) -> dict:
    """Ids and logins to use, read through Django in a child process (same settings as the server)."""
    code = r"""
import json, random, django
django.setup()
from intramuros.accounts.models import Role, User
from intramuros.agenda.models import Calendar
from intramuros.clinical.models import Consultation
from intramuros.core.demo import DEMO_USERS
from intramuros.patients.models import Patient
from intramuros.prescriptions.models import Prescription
from bench.generate import BENCH_PASSWORD
rng = random.Random(SEED)
demo = {u[0]: u[1] for u in DEMO_USERS}
users = [(u.username, demo.get(u.username, BENCH_PASSWORD))
         for u in User.objects.filter(role=Role.PRACTITIONER, is_active=True).order_by("pk")]
top = Consultation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
ids = [rng.randint(1, top) for _ in range(3000)]
cons = list(Consultation.objects.filter(pk__in=ids).values_list("pk", "patient_id")[:600])
# Prescriptions never printed, as at the practice, where a print is the original: a reprint is a duplicate
# stamped on the original's bytes, another path. Enough of them that the runs of a day seldom print one twice.
rx = list(Prescription.objects.filter(lines__isnull=False, prints__isnull=True).order_by("-pk")
          .values_list("pk", "patient_id").distinct()[:20000])
rx = rng.sample(rx, min(3000, len(rx)))
names = list(Patient.objects.order_by("?").values_list("birth_name", flat=True)[:400])
cals = list(Calendar.objects.filter(practitioner__isnull=False).values_list("pk", flat=True))
print(json.dumps({"users": users, "consultations": cons, "prescriptions": rx, "names": names, "calendars": cals,
                  "patients": Patient.objects.count(), "consultation_count": Consultation.objects.count()}))
""".replace("SEED", str(seed))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"Could not read the practice in {env['INTRAMUROS_DATA_DIR']}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(env) -> None:
    """Other apps evolve while a generated practice waits: bring its schema up to date first."""
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "intramuros"), "migrate", "--noinput", "-v", "0"], env=env,
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"Could not migrate the practice:\n{out.stderr[-2000:]}")


def start_server(args, env, port) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv" / "bin" / "intramuros"), "serve", "--insecure-http", "--host", "127.0.0.1",
           "--port", str(port), "--no-worker"]
    if args.workers is not None:
        cmd += ["--workers", str(args.workers)]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"The server stopped at start-up:\n{proc.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    sys.exit("The server did not start within 120 s.")


def process_tree(pid: int) -> list[int]:
    children = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_mb(pid: int) -> float:
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# ---------------------------------------------------------------- the simulated user


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True) if data is not None else None
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Sec-Fetch-Site": "same-origin",
             "Origin": f"http://127.0.0.1:{self.port}", **(headers or {})}
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers, payload


class User:
    def __init__(self, port, samples, username, password, rng):
        self.c, self.s, self.rng = Client(port), samples, rng
        self.username, self.password = username, password

    def login(self):
        self.c.request("GET", "/accounts/login/")
        status, headers, _ = self.c.request("POST", "/accounts/login/",
                                            {"username": self.username, "password": self.password})
        if status != 302:
            raise RuntimeError(f"login of {self.username} failed (HTTP {status})")
        return status

    def search(self):
        name = self.rng.choice(self.s["names"])
        q = name[: self.rng.randint(3, max(3, min(6, len(name))))]
        return self.c.request("GET", "/patients/search/?" + urllib.parse.urlencode({"q": q}),
                              headers={"HX-Request": "true"})[0]

    def summary(self):
        _, patient = self.rng.choice(self.s["consultations"])
        return self.c.request("GET", f"/clinical/p/{patient}/")[0]

    def consultation(self):
        pk, patient = self.rng.choice(self.s["consultations"])
        return self.c.request("GET", f"/clinical/p/{patient}/consultations/{pk}/")[0]

    def save_consultation(self):
        _, patient = self.rng.choice(self.s["consultations"])
        now = time.strftime("%Y-%m-%dT%H:%M")
        status = self.c.request("POST", f"/clinical/p/{patient}/consultations/new/?form=", {
            "at": now, "reason": "Banc d'essai", "history_notes": "Toux depuis trois jours.",
            "examination": "Auscultation normale.", "conclusion": "Virose.", "weight_kg": "72.5",
            "systolic_mmhg": "128", "diastolic_mmhg": "79", "heart_rate_bpm": "70", "diagnoses": ""})[0]
        return status

    def agenda_week(self):
        cal = self.rng.choice(self.s["calendars"])
        return self.c.request("GET", f"/agenda/week/?cal={cal}")[0]

    def book_appointment(self):
        # Slots drawn afresh on every run (not from the seed): a repeated run would otherwise ask for the slots
        # its previous runs booked, and measure conflict pages instead of bookings.
        fresh = random.SystemRandom()
        cal = fresh.choice(self.s["calendars"])
        _, patient = self.rng.choice(self.s["consultations"])
        when = time.localtime(time.time() + 86400 * fresh.randint(200, 2000))
        if when.tm_wday >= 5:  # a working day, within the opening hours: a booking the agenda accepts
            when = time.localtime(time.mktime(when) - 86400 * (when.tm_wday - 4))
        day = time.strftime("%Y-%m-%d", when)
        hour, minute = fresh.choice([9, 10, 11, 14, 15, 16, 17]), fresh.choice(range(0, 50, 5))
        return self.c.request("POST", "/agenda/new/", {
            "calendar": cal, "date": day, "time": f"{hour:02d}:{minute:02d}", "duration": "10",
            "patient": patient, "note": "banc d'essai", "interval": "1"})[0]

    def print_prescription(self):
        pk, patient = self.rng.choice(self.s["prescriptions"])
        status, headers, _ = self.c.request("POST", f"/prescriptions/patient/{patient}/{pk}/print/", {})
        if status == 302:
            status = self.c.request("GET", urllib.parse.urlparse(headers["Location"]).path)[0]
        return status


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process tree (from /proc), in seconds."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def run_level(port, samples, users_n, duration, seed, server_pid, think=0.0):
    """`users_n` threads log in, then loop over the mix until the time is up."""
    actions, weights = zip(*MIX, strict=True)
    results: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(users_n + 1)
    go = threading.Event()
    stop_at = [0.0]

    def worker(i):
        rng = random.Random(seed * 1000 + i)
        username, password = samples["users"][i % len(samples["users"])]
        user = User(port, samples, username, password, rng)
        try:
            t = time.perf_counter()
            user.login()
            with lock:
                results["login"].append((time.perf_counter() - t) * 1000)
        except Exception as exc:  # noqa: BLE001 - reported, the level goes on with the others
            errors.append(f"{username}: {exc}")
        ready.wait()
        go.wait()
        while time.perf_counter() < stop_at[0]:
            if think:
                time.sleep(min(rng.expovariate(1 / think), max(0.0, stop_at[0] - time.perf_counter())))
                if time.perf_counter() >= stop_at[0]:
                    break
            action = rng.choices(actions, weights=weights)[0]
            t = time.perf_counter()
            try:
                status = getattr(user, action)()
            except Exception as exc:  # noqa: BLE001
                status = 0
                errors.append(f"{action}: {exc}")
            ms = (time.perf_counter() - t) * 1000
            with lock:
                results[action].append(ms)
                statuses[action][status] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users_n)]
    for th in threads:
        th.start()
    ready.wait()
    started = time.perf_counter()
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    stop_at[0] = started + duration
    go.set()
    peak = 0.0
    while any(th.is_alive() for th in threads):
        peak = max(peak, rss_mb(server_pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    # Cores used: tells a CPU-bound server (close to the cores it may use) from one waiting on locks or disk.
    cores = {"server_cores_used": round((cpu_seconds(server_pid) - server_cpu) / elapsed, 2),
             "client_cores_used": round((time.process_time() - client_cpu) / elapsed, 2)}
    return results, statuses, errors, elapsed, peak, cores


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def summarise(results, statuses, elapsed) -> dict:
    out = {}
    for action, values in results.items():
        out[action] = {"n": len(values), "p50_ms": round(percentile(values, 0.5), 1),
                       "p95_ms": round(percentile(values, 0.95), 1), "p99_ms": round(percentile(values, 0.99), 1),
                       "per_s": round(len(values) / elapsed, 1) if action != "login" else None,
                       "statuses": dict(statuses.get(action, {}))}
    return out


# ---------------------------------------------------------------- output


def svg_chart(figures: dict, title: str) -> str:
    """Grouped bars: p95 per action, one bar per concurrency level (hand-written SVG, no library)."""
    levels = list(figures["levels"])
    actions = [a for a, _ in MIX]
    colours = ["#2b6cb0", "#dd6b20", "#2f855a", "#6b46c1", "#c53030"]
    top = max([figures["levels"][lv]["actions"].get(a, {}).get("p95_ms", 0) for lv in levels for a in actions] + [1])
    scale_max = max(top * 1.1, 160)
    w, h, left, plot_h = 980, 460, 70, 320
    group_w = (w - left - 20) / len(actions)
    bar_w = group_w * 0.8 / max(1, len(levels))
    y = lambda v: 30 + plot_h - plot_h * v / scale_max  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
             f'font-size="12">', f'<rect width="{w}" height="{h}" fill="#fff"/>',
             f'<text x="{left}" y="18" font-size="14" font-weight="bold">{title}</text>']
    for k in range(6):
        v = scale_max * k / 5
        parts.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f} ms</text>')
    for i, action in enumerate(actions):
        x0 = left + i * group_w + group_w * 0.1
        for j, lv in enumerate(levels):
            v = figures["levels"][lv]["actions"].get(action, {}).get("p95_ms", 0)
            x = x0 + j * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w - 2:.1f}" height="{30 + plot_h - y(v):.1f}" '
                         f'fill="{colours[j % len(colours)]}"><title>{action}, {lv} users: p95 {v} ms</title></rect>')
        if action in TARGETS_P95_MS:
            t = TARGETS_P95_MS[action]
            parts.append(f'<line x1="{x0 - 3:.1f}" x2="{x0 + group_w * 0.8 + 3:.1f}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                         f'stroke="#c00" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{30 + plot_h + 16}" text-anchor="middle">'
                     f'{action.replace("_", " ")}</text>')
    for j, lv in enumerate(levels):
        rps = figures["levels"][lv]["requests_per_s"]
        parts.append(f'<rect x="{left + j * 190}" y="{h - 30}" width="12" height="12" fill="{colours[j % 5]}"/>')
        parts.append(f'<text x="{left + j * 190 + 16}" y="{h - 20}">{lv} users ({rps} req/s)</text>')
    parts.append(f'<text x="{w - 20}" y="{h - 20}" text-anchor="end" fill="#c00">dashed: p95 target</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def print_table(figures: dict) -> None:
    for lv, data in figures["levels"].items():
        print(f"\n{lv} concurrent users: {data['requests_per_s']} requests/s over {data['elapsed_s']} s, "
              f"server RSS peak {data['server_rss_peak_mb']} MB, {data['errors']} errors; CPU cores used: server "
              f"{data.get('server_cores_used')}, load generator {data.get('client_cores_used')}")
        print(f"  {'action':<20}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'req/s':>9}  statuses")
        for action, a in data["actions"].items():
            target = TARGETS_P95_MS.get(action)
            flag = "" if target is None else ("  ok" if a["p95_ms"] <= target else f"  > target {target} ms")
            print(f"  {action:<20}{a['n']:>7}{a['p50_ms']:>10}{a['p95_ms']:>10}{a['p99_ms']:>10}"
                  f"{a['per_s'] if a['per_s'] is not None else '':>9}  {a['statuses']}{flag}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.plain and args.database_url:
        sys.exit("--plain and --database-url exclude each other.")
    command = " ".join([".venv/bin/python bench/run.py", *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    env = server_env(args)
    migrate(dict(env, DJANGO_SETTINGS_MODULE="intramuros.settings"))
    if args.plain:
        prepare_plain(args)
    samples = load_samples(env, args.seed)
    if not samples["consultations"] or not samples["calendars"]:
        sys.exit("The practice has no consultations or calendars: generate it with bench/generate.py first.")
    port = args.port or free_port()
    database = "postgresql" if args.database_url else ("sqlite-plain" if args.plain else "sqlcipher")
    print(f"Practice: {samples['patients']:,} patients, {samples['consultation_count']:,} consultations; "
          f"database {database}; server granian workers={args.workers or 'serve default'} threads={args.threads or 'serve default'}, "
          f"port {port}; think time {args.think:g} s", flush=True)
    server = start_server(args, env, port)
    figures = {"label": args.label, "command": command, "database": database, "date": time.strftime(
        "%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg(), "cpus": os.cpu_count(),
        "patients": samples["patients"], "consultations": samples["consultation_count"],
        "workers": args.workers, "threads": args.threads, "think_s": args.think, "levels": {}}
    try:
        figures["server_rss_idle_mb"] = round(rss_mb(server.pid), 1)
        # Warm-up: first requests compile templates and fill caches.
        run_level(port, samples, 1, 2.0, args.seed + 99, server.pid)
        for n in [int(x) for x in args.levels.split(",") if x.strip()]:
            print(f"Level {n} users, {args.duration:.0f} s...", flush=True)
            results, statuses, errors, elapsed, peak, cores = run_level(port, samples, n, args.duration, args.seed,
                                                                        server.pid, think=args.think)
            total = sum(len(v) for k, v in results.items() if k != "login")
            figures["levels"][str(n)] = {**cores,
                "requests_per_s": round(total / elapsed, 1), "elapsed_s": round(elapsed, 1),
                "server_rss_peak_mb": round(peak, 1), "errors": len(errors), "error_samples": errors[:5],
                "actions": summarise(results, statuses, elapsed)}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    figures["load_average_after"] = os.getloadavg()
    print_table(figures)
    OUT.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", args.label)
    (OUT / f"run-{safe}.json").write_text(json.dumps(figures, indent=2) + "\n")
    (OUT / f"run-{safe}.svg").write_text(svg_chart(
        figures, f"Intramuros p95 per action ({database}, {samples['patients']:,} patients) - {args.label}"))
    print(f"\nWritten bench/out/run-{safe}.json and bench/out/run-{safe}.svg")
    print(f"Load average at start {figures['load_average']}, after {figures['load_average_after']} "
          f"({figures['cpus']} CPUs shared with other work: figures are pessimistic under load).")
    print(f"Reproduce: {command}")


if __name__ == "__main__":
    main()
