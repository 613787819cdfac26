"""Reeldrop's worker on Modal: a thin shell around the TypeScript worker.

The worker logic lives in ``modal/worker/`` (TypeScript) and is bundled into one file by
``npm run build:worker``; this module only says where and how it runs:

* ``image``  — Debian bookworm with Node 24 (LTS), FFmpeg 5.1 and the bundled worker;
* ``secret`` — the two settings the worker needs, ``CONVEX_SITE_URL`` and ``WORKER_SECRET``;
* ``drain``  — claims and processes jobs until the queue is empty (Convex spawns it when a
  job is uploaded);
* ``sweep``  — the same on a schedule, a safety net for a missed wake-up.

Deploy: ``npm run build:worker && modal deploy modal/app.py`` (see the README).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import modal

APP_NAME = os.environ.get("MODAL_APP_NAME", "reeldrop-worker")
SECRET_NAME = "reeldrop-worker"
LOCAL_BUNDLE = Path(__file__).parent / "dist" / "worker.cjs"
CONTAINER_BUNDLE = Path("/opt/reeldrop/worker.cjs")
# A drain claims jobs for DRAIN_CLAIM_SECONDS, processing them back to back, and then only
# finishes the jobs in hand, so each job it takes has at least DRAIN_TIMEOUT_SECONDS -
# DRAIN_CLAIM_SECONDS (5 h) to finish. The longest video accepted is MAX_VIDEO_SECONDS (4 h by
# default); processing measured 9.3 s per input minute of 1080p30 on 2 CPUs
# (scripts/bench/README.md), about 40 min for 4 h, so 5 h leaves room for harder content, the
# download and the checksum. The sweep and the spawn on every upload start the next drain.
DRAIN_TIMEOUT_SECONDS = 6 * 60 * 60
DRAIN_CLAIM_SECONDS = 60 * 60
# Modal interrupts a container it preempts or stops (SIGINT, a KeyboardInterrupt here) and
# gives it 30 s. The worker gets a SIGTERM: its jobs in hand have WORKER_SHUTDOWN_GRACE_SECONDS
# to finish, then it hands them back to the queue, within STOP_WAIT_SECONDS in all.
WORKER_SHUTDOWN_GRACE_SECONDS = 15
STOP_WAIT_SECONDS = 25

app = modal.App(APP_NAME)

image = (
    modal.Image.from_registry("node:24-bookworm-slim", add_python="3.11")
    .apt_install("ffmpeg")
    .add_local_file(LOCAL_BUNDLE, str(CONTAINER_BUNDLE))
)

secret = modal.Secret.from_name(SECRET_NAME, required_keys=["CONVEX_SITE_URL", "WORKER_SECRET"])


def run_worker_drain() -> None:
    """Runs the bundled worker in drain mode; it exits once the queue is empty.

    Interrupted (Modal preempting or stopping the container) or out of time, it asks the
    worker to stop and hand its jobs back rather than killing it with them, then re-raises.
    """
    bundle = CONTAINER_BUNDLE if CONTAINER_BUNDLE.exists() else LOCAL_BUNDLE
    if not bundle.exists():
        raise FileNotFoundError(f"{bundle} is missing: run `npm run build:worker` first")
    env = {
        "WORKER_SHUTDOWN_GRACE_SECONDS": str(WORKER_SHUTDOWN_GRACE_SECONDS),
        "WORKER_DRAIN_CLAIM_SECONDS": str(DRAIN_CLAIM_SECONDS),
        **os.environ,
    }
    worker = subprocess.Popen(["node", str(bundle), "--drain"], env=env)
    try:
        code = worker.wait(timeout=DRAIN_TIMEOUT_SECONDS)
    except BaseException:
        stop_worker(worker)
        raise
    if code != 0:
        raise subprocess.CalledProcessError(code, worker.args)


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM (the worker hands its jobs back), then SIGKILL if it has not exited in time."""
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=STOP_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


worker_resources = dict(
    image=image,
    secrets=[secret],
    cpu=2.0,
    memory=4096,
    timeout=DRAIN_TIMEOUT_SECONDS + 60,
)


@app.function(
    **worker_resources,
    retries=modal.Retries(max_retries=2, initial_delay=5.0, backoff_coefficient=2.0),
    max_containers=10,
)
def drain() -> None:
    run_worker_drain()


@app.function(**worker_resources, schedule=modal.Period(minutes=5))
def sweep() -> None:
    run_worker_drain()
