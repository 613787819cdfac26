"""Transcription speed on this machine: a minute (or --seconds) of espeak-ng speech, rounded up to a whole sentence, the model loaded
once, sequential decoding against the batched pipeline (what transcribe.py uses above 30 s of
speech), word timestamps and VAD on as in production.

    cd modal && python3 -m captions.bench [--model-dir DIR] [--seconds 60]

Prints load time, each run's wall time, its real-time factor (wall / audio seconds) and the
share of the spoken words found.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from captions import transcribe

SENTENCES = [
    "We upload our videos every week and share the best moments with our friends.",
    "Please call me back tomorrow morning when you have time to talk about the new project.",
    "The weather is nice today, so we will walk to the park after lunch.",
    "She bought fresh bread, green apples and a bottle of milk at the market.",
    "Our team meets every Monday to plan the work for the rest of the week.",
    "He likes to read a good book in the evening before he goes to sleep.",
    "The train to the city leaves at nine and arrives a little after ten.",
    "They painted the kitchen white and hung new lights above the table.",
]


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def main() -> None:
    parser = argparse.ArgumentParser()
    default_dir = os.environ.get("CAPTIONS_MODEL_DIR") or str(Path(__file__).resolve().parents[2] / ".models" / "whisper-base")
    parser.add_argument("--model-dir", type=Path, default=Path(default_dir))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        text: list[str] = []
        audio = Path(folder) / "speech.wav"
        while True:
            text.append(SENTENCES[len(text) % len(SENTENCES)])
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(audio), " ".join(text)], check=True)
            if transcribe.decode(audio).shape[0] / transcribe.SAMPLE_RATE >= args.seconds:
                break
        seconds = transcribe.decode(audio).shape[0] / transcribe.SAMPLE_RATE
        spoken = words_of(" ".join(text))

        started = time.monotonic()
        for batch_size, label in ((1, "sequential"), (8, "batched (8)")):
            settings = transcribe.Settings(model_dir=args.model_dir.resolve(), threads=args.threads, batch_size=batch_size)
            if label == "sequential":
                transcribe.load_model(settings)
                print(f"model {settings.model_dir.name}, {settings.device} {settings.resolved_compute_type}: "
                      f"loaded in {time.monotonic() - started:.1f} s; audio {seconds:.1f} s", flush=True)
            run_started = time.monotonic()
            transcript = transcribe.transcribe_file(audio, settings)
            wall = time.monotonic() - run_started
            heard = set(words_of(" ".join(s["text"] for s in transcript["segments"])))
            found = sum(word in heard for word in spoken) / len(spoken)
            print(f"{label}: {wall:.1f} s, {wall / seconds:.2f}x real time, {found:.0%} of the spoken words", flush=True)


if __name__ == "__main__":
    main()
