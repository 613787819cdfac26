"""Reeldrop's worker on Modal: a thin shell around the TypeScript worker.

The worker logic lives in ``modal/worker/`` (TypeScript) and is bundled into one file by
``npm run build:worker``; this module only says where and how it runs:

* ``image``  — Debian bookworm with Node 24 (LTS), FFmpeg 5.1 and the bundled worker;
* ``secret`` — the two settings the worker needs, ``CONVEX_SITE_URL`` and ``WORKER_SECRET``;
* ``drain``  — claims and processes jobs and clips until the queue is empty (Convex spawns it
  when a job is uploaded or a clip asked for); ``WORKER_KINDS=process,clip``;
* ``sweep``  — the same on a schedule, a safety net for a missed wake-up;
* ``captions_drain`` — the same worker on the captions image and its GPU, serving captions
  tasks only (``WORKER_KINDS=captions``; Convex spawns it, ``MODAL_CAPTIONS_FUNCTION_NAME``,
  when a job with sound becomes READY); ``captions_sweep`` its safety net;
* ``transcribe`` — the transcription module as a function of its own (audio bytes in).

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


# What each drain serves: the CPU image has no captions model, the GPU image serves only captions.
CPU_WORKER_KINDS = "process,clip"
CAPTIONS_WORKER_KINDS = "captions"


def run_worker_drain(kinds: str = CPU_WORKER_KINDS) -> None:
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
        "WORKER_KINDS": kinds,
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


# --- Captions (issue 21): speech to text on a GPU ---------------------------------------------
#
# The same transcription module as everywhere (modal/captions/transcribe.py, faster-whisper),
# with a larger model baked into the image at build time by faster-whisper's own loader
# (huggingface_hub.snapshot_download), so a container never downloads it. CPU int8 with Whisper
# base (the packaged model, CAPTIONS_MODEL_DIR) stays the fallback wherever this is not deployed.
# MODAL_CAPTIONS_GPU picks the GPU ("L4" by default; "T4", "A10G", … or "" for CPU only),
# MODAL_CAPTIONS_MODEL the model (a faster-whisper size name such as "large-v3-turbo" or
# "small", or a Hugging Face repo id), MODAL_CAPTIONS_MODEL_REVISION a commit to pin it to;
# all three are read when the app is deployed.

CAPTIONS_GPU = os.environ.get("MODAL_CAPTIONS_GPU", "L4") or None
CAPTIONS_MODEL = os.environ.get("MODAL_CAPTIONS_MODEL", "large-v3-turbo")
CAPTIONS_MODEL_REVISION = os.environ.get("MODAL_CAPTIONS_MODEL_REVISION") or None
CAPTIONS_TIMEOUT_SECONDS = 60 * 60
LOCAL_CAPTIONS_PACKAGE = Path(__file__).parent / "captions"
CAPTIONS_REQUIREMENTS = Path(__file__).parent / "requirements-captions.txt"
CONTAINER_ROOT = Path("/opt/reeldrop")
CONTAINER_CAPTIONS_MODEL_DIR = "/opt/reeldrop/models/captions"
# CTranslate2 4.x on CUDA 12 needs cuBLAS and cuDNN 9, which come as wheels; the driver comes
# with Modal's GPU containers.
CUDA_WHEELS = ("nvidia-cublas-cu12==12.9.3.13", "nvidia-cudnn-cu12==9.27.0.42")
CUDA_LIBRARY_PATH = ":".join(
    f"/usr/local/lib/python3.11/site-packages/nvidia/{name}/lib" for name in ("cublas", "cudnn")
)


def download_captions_model(model: str, output_dir: str, revision: str | None) -> None:
    """Image build step: fetch the model into output_dir with faster-whisper's own loader."""
    from faster_whisper.utils import download_model

    download_model(model, output_dir=output_dir, revision=revision)


captions_image = (
    modal.Image.from_registry("node:24-bookworm-slim", add_python="3.11")
    .apt_install("ffmpeg")
    .pip_install_from_requirements(str(CAPTIONS_REQUIREMENTS))
    .pip_install(*CUDA_WHEELS)
    .run_function(
        download_captions_model,
        kwargs={"model": CAPTIONS_MODEL, "output_dir": CONTAINER_CAPTIONS_MODEL_DIR, "revision": CAPTIONS_MODEL_REVISION},
    )
    .env(
        {
            "LD_LIBRARY_PATH": CUDA_LIBRARY_PATH,
            "CAPTIONS_MODEL_DIR": CONTAINER_CAPTIONS_MODEL_DIR,
            "CAPTIONS_DEVICE": "cuda" if CAPTIONS_GPU else "cpu",
            # For the worker, once it runs captions tasks in this image (issue 20's task kinds).
            "CAPTIONS_PYTHONPATH": str(CONTAINER_ROOT),
        }
    )
    .add_local_dir(LOCAL_CAPTIONS_PACKAGE, str(CONTAINER_ROOT / "captions"), ignore=["**/test_*.py", "**/conftest.py", "**/bench.py", "**/__pycache__"])
)


def captions_module():
    """modal/captions/transcribe.py: from the image's copy in a container, from the repo here."""
    import sys

    root = CONTAINER_ROOT if (CONTAINER_ROOT / "captions").is_dir() else Path(__file__).parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from captions import transcribe as module

    return module


def run_transcription(audio: bytes, suffix: str) -> dict:
    """The transcript (the ``transcript`` artifact's JSON) of an audio or video file's bytes,
    or ``{"error": {"code", "message"}}`` for a missing model or unusable audio. The model is
    CAPTIONS_MODEL_DIR on CAPTIONS_DEVICE (this image: the baked model on CUDA; elsewhere CPU),
    loaded once per container."""
    import tempfile

    transcribe = captions_module()
    model_dir = os.environ.get("CAPTIONS_MODEL_DIR")
    if not model_dir:
        return {"error": {"code": "model_missing", "message": "CAPTIONS_MODEL_DIR is not set"}}
    settings = transcribe.Settings(
        model_dir=Path(model_dir),
        device=os.environ.get("CAPTIONS_DEVICE", "cpu"),
        compute_type=os.environ.get("CAPTIONS_COMPUTE_TYPE") or None,
    )
    with tempfile.NamedTemporaryFile(suffix=suffix if suffix.startswith(".") else f".{suffix}") as file:
        file.write(audio)
        file.flush()
        try:
            return {"transcript": transcribe.transcribe_file(Path(file.name), settings)}
        except transcribe.TranscriptionError as error:
            return {"error": {"code": error.code, "message": str(error)}}


@app.function(
    image=captions_image,
    gpu=CAPTIONS_GPU,
    timeout=CAPTIONS_TIMEOUT_SECONDS,
    max_containers=2,
    scaledown_window=120,
)
def transcribe(audio: bytes, suffix: str = ".m4a") -> dict:
    return run_transcription(audio, suffix)


# The captions drain: the TypeScript worker in the captions image, on its GPU, claiming captions
# tasks only. It reads the source's sound with FFmpeg and runs the same CLI on the baked model
# (CAPTIONS_MODEL_DIR, CAPTIONS_DEVICE, CAPTIONS_PYTHONPATH are the image's). It exits once no
# captions task is left, so the GPU is held only while there is speech to transcribe.
captions_worker_image = captions_image.add_local_file(LOCAL_BUNDLE, str(CONTAINER_BUNDLE))
captions_worker_resources = dict(
    image=captions_worker_image,
    secrets=[secret],
    gpu=CAPTIONS_GPU,
    cpu=2.0,
    memory=8192,
    timeout=DRAIN_TIMEOUT_SECONDS + 60,
)


@app.function(
    **captions_worker_resources,
    retries=modal.Retries(max_retries=2, initial_delay=5.0, backoff_coefficient=2.0),
    max_containers=2,
)
def captions_drain() -> None:
    run_worker_drain(CAPTIONS_WORKER_KINDS)


@app.function(**captions_worker_resources, schedule=modal.Period(minutes=15))
def captions_sweep() -> None:
    run_worker_drain(CAPTIONS_WORKER_KINDS)
