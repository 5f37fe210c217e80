import os
import time

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from intramuros.core import lockedstart, scheduler


class Command(BaseCommand):
    help = "Run background jobs and the periodic ones (started by `intramuros serve`)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now, then stop")
        parser.add_argument("--parent", type=int, default=0, help="stop when this process is gone")

    def handle(self, *args, once, parent, **options):
        if lockedstart.waiting_for_passphrase():
            self.stdout.write("worker: the keys are locked; waiting for the passphrase before running any job")
            self.stdout.flush()
            while lockedstart.waiting_for_passphrase():  # the unlock page or `key unlock` puts the keys in RAM
                if once or (parent and os.getppid() != parent):
                    return
                time.sleep(2)
        jobs = scheduler.discover()
        self.stdout.write(f"worker: {len(jobs)} periodic job(s): {', '.join(sorted(jobs)) or 'none'}")
        while True:
            scheduler.run_due()
            Worker(queue_names=["*"], interval=1, batch=True, backend_name="default", startup_delay=False,
                   max_tasks=None, worker_id="intramuros-worker", excluded_queue_names=[]).run()
            if once or (parent and os.getppid() != parent):
                return
            time.sleep(5)
