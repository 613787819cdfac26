"""Reeldrop's worker on Modal: a thin shell around the TypeScript worker.

The worker logic lives in ``modal/worker/`` (TypeScript) and is bundled into one file by
``npm run build:worker``; this module only says where and how it runs:

* ``image``  — Debian bookworm with Node 20, FFmpeg 5.1 and the bundled worker;
* ``secret`` — the two settings the worker needs, ``CONVEX_SITE_URL`` and ``WORKER_SECRET``;
* ``drain``  — claims and processes jobs until the queue is empty (Convex spawns it when a
  job is uploaded);
* ``sweep``  — the same on a schedule, a safety net for a missed wake-up.

Deploy: ``npm run build:worker && modal deploy modal/app.py`` (see the README).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import modal

APP_NAME = os.environ.get("MODAL_APP_NAME", "reeldrop-worker")
SECRET_NAME = "reeldrop-worker"
LOCAL_BUNDLE = Path(__file__).parent / "dist" / "worker.cjs"
CONTAINER_BUNDLE = Path("/opt/reeldrop/worker.cjs")
# A drain processes jobs back to back; long videos take minutes each.
DRAIN_TIMEOUT_SECONDS = 60 * 60

app = modal.App(APP_NAME)

image = (
    modal.Image.from_registry("node:20-bookworm-slim", add_python="3.11")
    .apt_install("ffmpeg")
    .add_local_file(LOCAL_BUNDLE, str(CONTAINER_BUNDLE))
)

secret = modal.Secret.from_name(SECRET_NAME, required_keys=["CONVEX_SITE_URL", "WORKER_SECRET"])


def run_worker_drain() -> None:
    """Runs the bundled worker in drain mode; it exits once the queue is empty."""
    bundle = CONTAINER_BUNDLE if CONTAINER_BUNDLE.exists() else LOCAL_BUNDLE
    if not bundle.exists():
        raise FileNotFoundError(f"{bundle} is missing: run `npm run build:worker` first")
    subprocess.run(
        ["node", str(bundle), "--drain"],
        check=True,
        env=os.environ.copy(),
        timeout=DRAIN_TIMEOUT_SECONDS,
    )


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
