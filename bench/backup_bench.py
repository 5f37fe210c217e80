"""Benchmark: backup, verify and restore of a synthetic practice (about 1 GB with documents), and patient search
while a backup runs.

Usage:
    .venv/bin/python bench/backup_bench.py [--size-mb 1000] [--patients 2000] [--searches 300] [--keep]

It builds a practice in a temporary data directory (`intramuros init`, `intramuros demo --patients N`, then
random documents stored through the encrypted document store until the data directory reaches --size-mb),
then times, each in its own process as a practice would run them:
  * `intramuros backup --to DIR` (online copy, tar, age encryption, then its own restore test),
  * `intramuros backup verify ARCHIVE`,
  * `intramuros restore ARCHIVE --data-dir NEW`,
and reports MB/s (archive bytes over wall time). It then times `patients.selectors.patient_search` in this
process, idle and while a backup runs in another process, and prints both p95 (target: at most twice slower).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILL = """
import os, random, sys
from intramuros.documents.storage import store_bytes
target, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
total = 0
while total < target:
    size = rng.randint(100_000, 2_000_000)  # a scanned letter to a multi-page PDF
    store_bytes(os.urandom(size), kind="upload", original_name="scan.pdf")
    total += size
print(total)
"""


PATIENTS = """
from intramuros.testing.personas import make_patient
for i in range(COUNT):
    make_patient(birth_name=f"Bench{i:05d}", first_names="Camille", nir="", phone_mobile="")
"""
BENCH_PASSWORD = "Bench-Backup-Throughput-2026"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="target size of the practice (default 1000)")
    parser.add_argument("--patients", type=int, default=2000, help="demo patients (default 2000)")
    parser.add_argument("--searches", type=int, default=300, help="timed searches per phase (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    return parser.parse_args()


def cli(data_dir: Path, *args, env_extra=None, stdin=None) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    env.update(INTRAMUROS_DATA_DIR=str(data_dir), **(env_extra or {}))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "intramuros", *map(str, args)], env=env, capture_output=True,
                            text=True, check=False, input=stdin)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 and args[0] != "demo":
        sys.exit(f"intramuros {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def time_searches(user, count: int, rng: random.Random, names: list[str], until=None) -> list[float]:
    from intramuros.patients.selectors import patient_search

    samples = []
    while len(samples) < count or (until is not None and until()):
        text = rng.choice(names)[: rng.randint(3, 6)]
        start = time.perf_counter()
        patient_search(user=user, text=text)
        samples.append(time.perf_counter() - start)
        if until is not None and not until() and len(samples) >= 20:
            break
    return samples


def main() -> None:
    args = parse_args()
    base = Path(tempfile.mkdtemp(prefix="intramuros-backup-bench-"))
    data, dest, restored = base / "practice", base / "usb", base / "restored"
    dest.mkdir()
    print(f"command: {' '.join(shlex.quote(a) for a in [sys.executable, *sys.argv])}")
    print(f"working in {base}")
    try:
        cli(data, "init")
        t, demo = cli(data, "demo", "--patients", args.patients)
        if "Demo practice loaded" not in demo.stdout:
            print(f"the demo did not load ({demo.stderr.strip().splitlines()[-1:]}); plain patients instead")
            t, _ = cli(data, "shell", "-c", PATIENTS.replace("COUNT", str(args.patients)))
        print(f"practice ({args.patients} patients) loaded in {t:.1f} s")
        cli(data, "createuser", "bench", "--role", "practitioner", "--password-stdin", stdin=BENCH_PASSWORD + "\n")
        remaining = args.size_mb * 1_000_000 - dir_size(data)
        if remaining > 0:
            t, _ = cli(data, "shell", "-c", FILL.replace("sys.argv[1]", str(remaining)).replace("sys.argv[2]", "7"))
            print(f"documents stored in {t:.1f} s")
        size = dir_size(data)
        print(f"practice size: {size / 1e6:.0f} MB (database {(data / 'intramuros.db').stat().st_size / 1e6:.1f} MB)")
        identity = base / "practice-backup.key"
        _, keygen = cli(data, "backup", "keygen", identity)
        recipient = keygen.stdout.strip().rsplit("=", 1)[1]
        env = {"INTRAMUROS_BACKUP_RECIPIENT": recipient}

        t_backup, result = cli(data, "backup", "--to", dest, "--no-verify", "--no-progress", env_extra=env)
        (archive,) = dest.glob("*.backup.age")
        mb = archive.stat().st_size / 1e6
        t_verify, _ = cli(data, "backup", "verify", archive, "--identity", identity)
        t_restore, _ = cli(restored, "restore", archive, "--identity", identity)
        print(f"archive: {mb:.0f} MB; the backup command's own figure: {result.stdout.splitlines()[0]}")
        print(f"backup : {t_backup:6.1f} s  {mb / t_backup:7.1f} MB/s  (process wall time, Django start included)")
        print(f"verify : {t_verify:6.1f} s  {mb / t_verify:7.1f} MB/s")
        print(f"restore: {t_restore:6.1f} s  {mb / t_restore:7.1f} MB/s")

        os.environ["INTRAMUROS_DATA_DIR"] = str(data)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
        import django

        django.setup()
        from intramuros.accounts.models import User
        from intramuros.patients.models import Patient

        user = User.objects.get(username="bench")
        names = list(Patient.objects.values_list("birth_name", flat=True)[:2000])
        rng = random.Random(11)
        time_searches(user, 30, rng, names)  # warm-up
        idle = time_searches(user, args.searches, rng, names)
        env_all = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
        env_all.update(INTRAMUROS_DATA_DIR=str(data), **env)
        for old in dest.glob("*.backup.age"):
            old.unlink()
        backup = subprocess.Popen([sys.executable, "-m", "intramuros", "backup", "--to", str(dest), "--no-verify",
                                   "--no-progress"], env=env_all, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        busy = time_searches(user, 0, rng, names, until=lambda: backup.poll() is None)
        backup.wait()
        ratio = p95(busy) / p95(idle)
        print(f"search p95 idle: {p95(idle):.2f} ms ({len(idle)} searches)")
        print(f"search p95 during backup: {p95(busy):.2f} ms ({len(busy)} searches) -> x{ratio:.2f} "
              f"({'OK' if ratio <= 2 else 'SLOWER THAN TARGET'}: must be at most x2)")
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
