"""Imports modal/app.py with the real ``modal`` package and runs ``drain.local()`` against a
local stack (offline Convex backend, embedded S3, real FFmpeg), ending with a job in READY."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def load_app_module():
    spec = importlib.util.spec_from_file_location("reeldrop_modal_app", REPO / "modal" / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def worker_bundle() -> Path:
    subprocess.run(["npm", "run", "--silent", "build:worker"], cwd=REPO, check=True, timeout=120)
    return REPO / "modal" / "dist" / "worker.cjs"


@contextlib.contextmanager
def stack_with_uploaded(video: str):
    fixture = subprocess.Popen(
        ["npx", "tsx", "modal/worker/testing/drainFixture.ts", video],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fixture.stdout and fixture.stdin
        first_line = fixture.stdout.readline()
        assert first_line, "the stack fixture exited before uploading a job"
        details = json.loads(first_line)

        def job_state() -> dict:
            fixture.stdin.write("status\n")
            fixture.stdin.flush()
            return json.loads(fixture.stdout.readline())

        yield details, job_state
    finally:
        if fixture.stdin:
            fixture.stdin.close()
        fixture.wait(timeout=60)


@pytest.fixture()
def uploaded_job():
    with stack_with_uploaded("landscapeWithCuts") as job:
        yield job


@pytest.fixture()
def long_uploaded_job():
    """A ten-minute video: still being processed seconds after the drain claimed it."""
    with stack_with_uploaded("tenMinutes") as job:
        yield job


def test_app_declares_the_drain_and_sweep_functions():
    module = load_app_module()
    assert module.app.name == "reeldrop-worker"
    assert callable(module.drain.local)
    assert callable(module.sweep.local)


def test_drain_local_processes_an_uploaded_job_to_ready(worker_bundle, uploaded_job, monkeypatch):
    assert worker_bundle.exists()
    details, job_state = uploaded_job
    assert job_state()["status"] == "UPLOADED"
    monkeypatch.setenv("CONVEX_SITE_URL", details["convexSiteUrl"])
    monkeypatch.setenv("WORKER_SECRET", details["workerSecret"])

    load_app_module().drain.local()

    state = job_state()
    assert state["status"] == "READY"
    assert state["artifacts"] >= 10
    # The video has sound: its captions task waits for the captions drain, which the CPU drain is not.
    assert state["captions"] == {"status": "QUEUED"}


def test_drain_without_settings_fails_clearly(worker_bundle, monkeypatch):
    monkeypatch.delenv("CONVEX_SITE_URL", raising=False)
    monkeypatch.delenv("WORKER_SECRET", raising=False)
    with pytest.raises(subprocess.CalledProcessError) as failure:
        load_app_module().drain.local()
    assert failure.value.returncode == 2


def test_drain_that_cannot_reach_convex_fails_so_modal_retries(worker_bundle, monkeypatch):
    # Nothing listens on port 1: every claim fails, and that must not pass for an empty queue.
    monkeypatch.setenv("CONVEX_SITE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("WORKER_SECRET", "a-secret-for-the-test")
    with pytest.raises(subprocess.CalledProcessError) as failure:
        load_app_module().drain.local()
    assert failure.value.returncode == 1


def test_an_interrupted_drain_hands_its_job_back(worker_bundle, long_uploaded_job, monkeypatch):
    details, job_state = long_uploaded_job
    monkeypatch.setenv("CONVEX_SITE_URL", details["convexSiteUrl"])
    monkeypatch.setenv("WORKER_SECRET", details["workerSecret"])
    # No grace: the job in hand is handed back at once, however fast it would have finished.
    monkeypatch.setenv("WORKER_SHUTDOWN_GRACE_SECONDS", "0")
    seen: list[dict] = []

    def interrupt_once_processing() -> None:
        # What Modal does to a container it preempts: SIGINT, a KeyboardInterrupt in the function.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = job_state()
            seen.append(state)
            if state["status"] == "PROCESSING":
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.1)

    interrupter = threading.Thread(target=interrupt_once_processing, daemon=True)
    interrupter.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        load_app_module().drain.local()
    interrupter.join(timeout=5)
    assert seen and seen[-1]["status"] == "PROCESSING"
    # The worker stopped within its grace period and handed the job back, rather than dying with it.
    assert time.monotonic() - started < 60
    state = job_state()
    assert state["status"] == "UPLOADED"
    assert state["attempt"] == 1
    assert state["lastEvent"] == "handed back by a worker shutting down"


# --- Captions (issue 21): the GPU function, run here with .local() on the packaged base model ---

CAPTIONS_SENTENCE = "We upload our videos every week and share the best moments with our friends."


def captions_model_dir() -> Path:
    configured = os.environ.get("CAPTIONS_MODEL_DIR")
    directory = Path(configured) if configured else REPO / ".models" / "whisper-base"
    if not (directory / "model.bin").is_file():
        pytest.fail(f"no captions model in {directory}: run `python3 modal/captions/setup_model.py`")
    return directory


@pytest.fixture()
def captions_env(monkeypatch):
    """The packaged base model on CPU, and no way for anything to fetch a model at run time."""
    import huggingface_hub

    def no_downloads(*_args, **_kwargs):
        raise AssertionError("a model download was attempted at run time")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_downloads)
    monkeypatch.setenv("CAPTIONS_MODEL_DIR", str(captions_model_dir()))
    monkeypatch.delenv("CAPTIONS_DEVICE", raising=False)
    monkeypatch.delenv("CAPTIONS_COMPUTE_TYPE", raising=False)


def test_the_captions_function_asks_for_the_configured_gpu(monkeypatch):
    monkeypatch.delenv("MODAL_CAPTIONS_GPU", raising=False)
    module = load_app_module()
    assert module.transcribe._spec_.gpus == "L4"
    assert module.drain._spec_.gpus is None  # the job worker stays on CPU
    monkeypatch.setenv("MODAL_CAPTIONS_GPU", "T4")
    assert load_app_module().transcribe._spec_.gpus == "T4"


def test_transcribe_local_runs_the_transcription_module_on_the_base_model(captions_env, tmp_path):
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(speech), CAPTIONS_SENTENCE], check=True, timeout=60)
    started = time.monotonic()
    result = load_app_module().transcribe.local(speech.read_bytes(), ".wav")
    print(f"transcribe.local: {time.monotonic() - started:.1f} s (base, CPU int8, loading included)")
    transcript = result["transcript"]
    assert transcript["speech"] is True and transcript["language"] == "en"
    heard = " ".join(segment["text"] for segment in transcript["segments"]).lower()
    spoken = [word.strip(".,").lower() for word in CAPTIONS_SENTENCE.split()]
    assert sum(word in heard.split() or f"{word}." in heard.split() for word in spoken) >= 0.8 * len(spoken), heard
    assert all(word["end"] <= transcript["duration"] + 0.1 for s in transcript["segments"] for word in s["words"])


def test_transcribe_local_says_no_speech_for_a_tone_and_names_a_missing_model(captions_env, tmp_path, monkeypatch):
    tone = tmp_path / "tone.m4a"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-c:a", "aac", str(tone)],
        check=True, timeout=60,
    )
    result = load_app_module().transcribe.local(tone.read_bytes(), ".m4a")
    assert result["transcript"]["speech"] is False
    assert result["transcript"]["segments"] == []

    monkeypatch.setenv("CAPTIONS_MODEL_DIR", str(tmp_path / "no-model"))
    result = load_app_module().transcribe.local(tone.read_bytes(), ".m4a")
    assert result["error"]["code"] == "model_missing"


def test_the_captions_drain_is_the_worker_on_the_captions_image_and_gpu_serving_captions_only(monkeypatch):
    monkeypatch.delenv("MODAL_CAPTIONS_GPU", raising=False)
    module = load_app_module()
    assert module.captions_drain._spec_.gpus == "L4"
    assert module.captions_sweep._spec_.gpus == "L4"
    assert module.sweep._spec_.gpus is None
    assert module.CAPTIONS_WORKER_KINDS == "captions"
    assert module.CPU_WORKER_KINDS == "process,clip"


def test_captions_drain_local_transcribes_a_ready_jobs_sound(worker_bundle, uploaded_job, captions_env, monkeypatch):
    """The CPU drain makes the job READY and leaves its captions; the captions drain (here on
    CPU with the packaged base model) takes them to READY. The test video's sound is a tone."""
    details, job_state = uploaded_job
    monkeypatch.setenv("CONVEX_SITE_URL", details["convexSiteUrl"])
    monkeypatch.setenv("WORKER_SECRET", details["workerSecret"])
    module = load_app_module()
    module.drain.local()
    assert job_state()["captions"] == {"status": "QUEUED"}

    module.captions_drain.local()

    state = job_state()
    assert state["status"] == "READY"
    assert state["captions"] == {"status": "READY", "speech": False}
