"""Speech to text for captions: Whisper through faster-whisper (CTranslate2), one code path for
every model. The model is a directory (``CAPTIONS_MODEL_DIR``): Whisper base from PyPI locally
and in CI (``setup_model.py``), a larger model baked into the Modal GPU image (``modal/app.py``).

CLI (what the TypeScript worker spawns; run from ``modal/`` or with it on ``PYTHONPATH``)::

    python3 -m captions.transcribe --audio <audio or video file> --model-dir <dir> --out <json>
        [--device cpu|cuda] [--compute-type int8|float16|…] [--threads N] [--batch-size N]
        [--language xx]

stdout carries one JSON object per line: ``{"event": "loading", …}``, then
``{"event": "progress", "processed": <s>, "duration": <s>}`` as segments are decoded, then
``{"event": "done", "speech": bool, "language": …, "segments": n, "words": n, "seconds": …}``.
The transcript (see ``transcribe_file``) is written to ``--out`` atomically, also when no speech
is found (``"speech": false``, no segments). Exit status: 0 done (speech or not), 2 bad
arguments, 3 the model directory is missing or incomplete, 4 the audio cannot be decoded,
5 the file has no audio track, 1 anything else; on 3, 4 and 5 the last stdout line is ``{"event": "error", "code": …,
"message": …}`` and the message is on stderr too.

Silence and music give "no speech found", never invented text: Silero VAD (bundled with
faster-whisper, no download) runs first; with no speech in it the model is not even loaded, and
the decode itself runs on the VAD's speech only (``vad_filter``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TRANSCRIPT_VERSION = 1
SAMPLE_RATE = 16000
# Above this much speech the batched pipeline (VAD chunks decoded 8 at a time) is used: for a
# single chunk it gains nothing; for a minute of speech it is about 4x faster on 2 cores.
BATCHED_ABOVE_SPEECH_SECONDS = 30.0
EXIT_USAGE = 2
EXIT_MODEL_MISSING = 3
EXIT_AUDIO_UNREADABLE = 4
EXIT_NO_AUDIO = 5
REQUIRED_MODEL_FILES = ("model.bin", "config.json")


class TranscriptionError(Exception):
    def __init__(self, code: str, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.code = code
        self.exit_status = exit_status


@dataclass(frozen=True)
class Settings:
    model_dir: Path
    device: str = "cpu"
    compute_type: str | None = None  # int8 on CPU, float16 on CUDA
    threads: int = 0  # 0: CTranslate2 decides
    batch_size: int = 8
    language: str | None = None

    @property
    def resolved_compute_type(self) -> str:
        if self.compute_type:
            return self.compute_type
        return "float16" if self.device == "cuda" else "int8"


def model_problem(model_dir: Path) -> str | None:
    """None when model_dir looks like a faster-whisper model; otherwise why not."""
    if not model_dir.is_dir():
        return f"the captions model directory {model_dir} does not exist"
    missing = [name for name in REQUIRED_MODEL_FILES if not (model_dir / name).is_file()]
    if missing:
        return f"the captions model directory {model_dir} lacks {', '.join(missing)}"
    return None


def _model_missing(problem: str) -> TranscriptionError:
    return TranscriptionError(
        "model_missing",
        f"{problem}; install it with `python3 modal/captions/setup_model.py` "
        "or point CAPTIONS_MODEL_DIR at a faster-whisper model directory",
        EXIT_MODEL_MISSING,
    )


_models: dict[tuple[str, str, str, int], Any] = {}


def load_model(settings: Settings):
    """The WhisperModel for these settings, loaded once per process (a Modal container keeps
    it between inputs)."""
    problem = model_problem(settings.model_dir)
    if problem:
        raise _model_missing(problem)
    key = (str(settings.model_dir), settings.device, settings.resolved_compute_type, settings.threads)
    if key not in _models:
        from faster_whisper import WhisperModel

        _models[key] = WhisperModel(
            str(settings.model_dir),
            device=settings.device,
            compute_type=settings.resolved_compute_type,
            cpu_threads=settings.threads,
            local_files_only=True,
        )
    return _models[key]


def decode(audio_path: Path):
    from faster_whisper.audio import decode_audio

    if not audio_path.is_file():
        raise TranscriptionError("audio_unreadable", f"{audio_path} does not exist", EXIT_AUDIO_UNREADABLE)
    try:
        import av

        with av.open(str(audio_path), metadata_errors="ignore") as container:
            has_audio = bool(container.streams.audio)
    except Exception as error:  # PyAV raises its own error types for every kind of bad input
        raise TranscriptionError(
            "audio_unreadable", f"cannot read {audio_path}: {error}", EXIT_AUDIO_UNREADABLE
        ) from error
    if not has_audio:
        raise TranscriptionError("no_audio", f"{audio_path} has no audio track", EXIT_NO_AUDIO)
    try:
        return decode_audio(str(audio_path), sampling_rate=SAMPLE_RATE)
    except Exception as error:  # PyAV raises its own error types for every kind of bad input
        raise TranscriptionError(
            "audio_unreadable", f"cannot decode audio from {audio_path}: {error}", EXIT_AUDIO_UNREADABLE
        ) from error


def speech_seconds(audio) -> float:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) == 0:
        return 0.0
    chunks = get_speech_timestamps(audio, VadOptions())
    return sum(chunk["end"] - chunk["start"] for chunk in chunks) / SAMPLE_RATE


def _seconds(value: float) -> float:
    return round(float(value), 3)


def transcribe_file(
    audio_path: Path,
    settings: Settings,
    on_progress: Callable[[float, float], None] = lambda processed, duration: None,
) -> dict[str, Any]:
    """The transcript of the audio track of audio_path (any file FFmpeg's libraries decode)::

        {"version": 1, "model": "<model dir name>", "speech": bool,
         "language": "en" | None, "languageProbability": float | None,
         "duration": <s>, "speechDuration": <s>,
         "segments": [{"start", "end", "text",
                       "words": [{"start", "end", "text", "probability"}]}]}

    Times in seconds from the start of the file. No speech: ``speech`` false, no segments,
    no language.
    """
    problem = model_problem(settings.model_dir)
    if problem:
        raise _model_missing(problem)
    audio = decode(audio_path)
    duration = len(audio) / SAMPLE_RATE
    speech = speech_seconds(audio)
    transcript: dict[str, Any] = {
        "version": TRANSCRIPT_VERSION,
        "model": settings.model_dir.name,
        "speech": False,
        "language": None,
        "languageProbability": None,
        "duration": _seconds(duration),
        "speechDuration": _seconds(speech),
        "segments": [],
    }
    if speech == 0:
        on_progress(duration, duration)
        return transcript

    model = load_model(settings)
    options: dict[str, Any] = dict(
        language=settings.language,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    if settings.batch_size > 1 and speech > BATCHED_ABOVE_SPEECH_SECONDS:
        from faster_whisper import BatchedInferencePipeline

        segments, info = BatchedInferencePipeline(model).transcribe(
            audio, batch_size=settings.batch_size, **options
        )
    else:
        segments, info = model.transcribe(audio, **options)

    out_segments = []
    for segment in segments:
        words = [
            {
                "start": _seconds(word.start),
                "end": _seconds(word.end),
                "text": word.word.strip(),
                "probability": round(float(word.probability), 4),
            }
            for word in segment.words or []
            if word.word.strip()
        ]
        text = segment.text.strip()
        if text:
            out_segments.append(
                {"start": _seconds(segment.start), "end": _seconds(segment.end), "text": text, "words": words}
            )
        on_progress(min(float(segment.end), duration), duration)
    on_progress(duration, duration)

    if out_segments:
        transcript.update(
            speech=True,
            language=info.language,
            languageProbability=round(float(info.language_probability), 4),
            segments=out_segments,
        )
    return transcript


def write_json_atomically(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        json.dump(value, file, ensure_ascii=False)
        file.write("\n")
    os.replace(file.name, path)


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python3 -m captions.transcribe", description="Transcribe for captions.")
    parser.add_argument("--audio", type=Path, required=True, help="an audio or video file")
    parser.add_argument("--out", type=Path, required=True, help="where the transcript JSON goes")
    parser.add_argument(
        "--model-dir", type=Path, default=Path(env["CAPTIONS_MODEL_DIR"]) if env.get("CAPTIONS_MODEL_DIR") else None,
        help="a faster-whisper model directory (default: $CAPTIONS_MODEL_DIR)",
    )
    parser.add_argument("--device", default=env.get("CAPTIONS_DEVICE", "cpu"), choices=("cpu", "cuda"))
    parser.add_argument("--compute-type", default=env.get("CAPTIONS_COMPUTE_TYPE") or None)
    parser.add_argument("--threads", type=int, default=int(env.get("CAPTIONS_THREADS", "0")))
    parser.add_argument("--batch-size", type=int, default=int(env.get("CAPTIONS_BATCH_SIZE", "8")))
    parser.add_argument("--language", default=None, help="skip detection: an ISO 639-1 code such as en")
    args = parser.parse_args(argv)
    if args.model_dir is None:
        parser.error("--model-dir (or CAPTIONS_MODEL_DIR) is required")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else 0
    settings = Settings(
        model_dir=args.model_dir.resolve(),
        device=args.device,
        compute_type=args.compute_type,
        threads=args.threads,
        batch_size=args.batch_size,
        language=args.language,
    )
    started = time.monotonic()
    emit("loading", modelDir=str(settings.model_dir), device=settings.device, computeType=settings.resolved_compute_type)
    last = [0.0]

    def on_progress(processed: float, duration: float) -> None:
        if processed > last[0] or processed == duration:
            last[0] = processed
            emit("progress", processed=_seconds(processed), duration=_seconds(duration))

    try:
        transcript = transcribe_file(args.audio, settings, on_progress)
    except TranscriptionError as error:
        emit("error", code=error.code, message=str(error))
        print(f"captions: {error}", file=sys.stderr)
        return error.exit_status
    write_json_atomically(args.out, transcript)
    emit(
        "done",
        speech=transcript["speech"],
        language=transcript["language"],
        segments=len(transcript["segments"]),
        words=sum(len(segment["words"]) for segment in transcript["segments"]),
        duration=transcript["duration"],
        seconds=_seconds(time.monotonic() - started),
    )
    if not transcript["speech"]:
        print("captions: no speech found", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
