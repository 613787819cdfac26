"""Fixtures for the captions tests: the installed base model and media generated at test time
(espeak-ng speech muxed into a video with FFmpeg, a silent video, a music-only one)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Said by espeak-ng and muxed into the test video after LEAD_IN_SECONDS of silence, so the
# transcript's times can be checked against where the speech really is.
SENTENCE = "We upload our videos every week and share the best moments with our friends."
LEAD_IN_SECONDS = 1.5


def model_dir() -> Path:
    configured = os.environ.get("CAPTIONS_MODEL_DIR")
    return Path(configured).resolve() if configured else REPO / ".models" / "whisper-base"


@pytest.fixture(scope="session")
def captions_model_dir() -> Path:
    directory = model_dir()
    if not (directory / "model.bin").is_file():
        pytest.fail(
            f"the captions model is not installed in {directory}: run "
            "`python3 modal/captions/setup_model.py` (npm run dev and .ci/run do)"
        )
    return directory


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def media_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True, timeout=30,
    )
    return float(out.stdout.strip())


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    for tool in ("espeak-ng", "ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not on the PATH (Debian: apt-get install espeak-ng ffmpeg)")
    folder = tmp_path_factory.mktemp("captions-media")
    speech = folder / "speech.wav"
    run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(speech), SENTENCE])
    speech_seconds = media_duration(speech)
    total = LEAD_IN_SECONDS + speech_seconds + 1.0
    video = ["-f", "lavfi", "-i", f"testsrc2=size=320x568:rate=25:duration={total}"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]

    spoken = folder / "spoken.mp4"
    delay_ms = int(LEAD_IN_SECONDS * 1000)
    run(["ffmpeg", "-v", "error", "-y", *video, "-i", str(speech), "-filter_complex",
         f"[1:a]adelay={delay_ms}:all=1,apad,aresample=44100[a]", "-map", "0:v", "-map", "[a]",
         "-t", str(total), *encode, str(spoken)])

    silent = folder / "silent.mp4"
    run(["ffmpeg", "-v", "error", "-y", *video, "-f", "lavfi", "-i", f"anullsrc=r=44100:cl=stereo:d={total}",
         "-map", "0:v", "-map", "1:a", *encode, str(silent)])

    # Music only: a stepped melody over a held fifth, with a little pink noise.
    music = folder / "music.mp4"
    melody = "0.25*sin(2*PI*(220+55*floor(mod(t*3\\,6)))*t)+0.15*sin(2*PI*330*t)"
    run(["ffmpeg", "-v", "error", "-y", *video,
         "-f", "lavfi", "-i", f"aevalsrc='{melody}':s=44100:d={total}",
         "-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=0.05:d={total}",
         "-filter_complex", "[1:a][2:a]amix=inputs=2[a]", "-map", "0:v", "-map", "[a]", *encode, str(music)])

    no_audio = folder / "no-audio.mp4"
    run(["ffmpeg", "-v", "error", "-y", *video, "-c:v", "libx264", "-preset", "ultrafast", str(no_audio)])

    return {
        "spoken": spoken,
        "silent": silent,
        "music": music,
        "no_audio": no_audio,
        "speech_seconds": speech_seconds,  # type: ignore[dict-item]
    }
