"""Transcription with the real base model on media generated at test time: espeak-ng speech in
a video, a silent video and a music-only one; the CLI contract the worker relies on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from captions import transcribe
from captions.conftest import LEAD_IN_SECONDS, SENTENCE

MODAL_DIR = Path(__file__).resolve().parents[1]


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def run_cli(*args: str, timeout: float = 180) -> tuple[subprocess.CompletedProcess, list[dict]]:
    result = subprocess.run(
        [sys.executable, "-m", "captions.transcribe", *args],
        cwd=MODAL_DIR, capture_output=True, text=True, timeout=timeout,
    )
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result, events


def test_the_cli_transcribes_speech_in_a_video(media, captions_model_dir, tmp_path):
    out = tmp_path / "transcript.json"
    started = time.monotonic()
    result, events = run_cli("--audio", str(media["spoken"]), "--model-dir", str(captions_model_dir), "--out", str(out))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    print(f"base int8 CPU: {media['speech_seconds']:.1f} s of speech transcribed in {elapsed:.1f} s (loading included)")

    assert [event["event"] for event in events][0] == "loading"
    assert events[-1]["event"] == "done" and events[-1]["speech"] is True
    progress = [event for event in events if event["event"] == "progress"]
    assert progress and progress[-1]["processed"] == progress[-1]["duration"]
    assert all(a["processed"] <= b["processed"] for a, b in zip(progress, progress[1:]))

    transcript = json.loads(out.read_text())
    assert transcript["speech"] is True
    assert transcript["language"] == "en"
    heard = words_of(" ".join(segment["text"] for segment in transcript["segments"]))
    spoken = words_of(SENTENCE)
    found = [word for word in spoken if word in heard]
    assert len(found) >= 0.8 * len(spoken), f"heard {heard!r} for {spoken!r}"

    words = [word for segment in transcript["segments"] for word in segment["words"]]
    assert words_of(" ".join(word["text"] for word in words)) == heard
    speech_end = LEAD_IN_SECONDS + media["speech_seconds"]
    # Every time lies within the speech (the lead-in is silence), in order.
    for segment in transcript["segments"]:
        assert LEAD_IN_SECONDS - 0.5 <= segment["start"] < segment["end"] <= speech_end + 0.5
    for word in words:
        assert LEAD_IN_SECONDS - 0.5 <= word["start"] <= word["end"] <= speech_end + 0.5
        assert 0 <= word["probability"] <= 1
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    assert words[0]["start"] < LEAD_IN_SECONDS + 1.0
    assert words[-1]["end"] > speech_end - 1.5


@pytest.mark.parametrize("name", ["silent", "music"])
def test_silence_and_music_are_no_speech_found(media, captions_model_dir, name):
    transcript = transcribe.transcribe_file(media[name], transcribe.Settings(model_dir=captions_model_dir))
    assert transcript["speech"] is False
    assert transcript["segments"] == []
    assert transcript["language"] is None
    assert transcript["duration"] > 3
    if name == "silent":
        assert transcript["speechDuration"] == 0  # the VAD alone settles it: the model never runs
    # Music may trip the VAD for a moment (0.5 s of this melody after AAC); what the model then
    # decodes from it must still be nothing.


def test_the_cli_says_no_speech_found_and_still_writes_the_transcript(media, captions_model_dir, tmp_path):
    out = tmp_path / "transcript.json"
    result, events = run_cli("--audio", str(media["music"]), "--model-dir", str(captions_model_dir), "--out", str(out))
    assert result.returncode == 0
    assert "no speech found" in result.stderr
    assert events[-1] == {**events[-1], "event": "done", "speech": False, "segments": 0, "words": 0}
    assert json.loads(out.read_text())["segments"] == []


def test_a_missing_model_is_a_clear_error_not_a_crash(media, tmp_path):
    out = tmp_path / "transcript.json"
    result, events = run_cli("--audio", str(media["spoken"]), "--model-dir", str(tmp_path / "nowhere"), "--out", str(out))
    assert result.returncode == transcribe.EXIT_MODEL_MISSING
    assert events[-1]["event"] == "error" and events[-1]["code"] == "model_missing"
    assert "setup_model.py" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_video_without_audio_and_a_broken_file_are_named(media, captions_model_dir, tmp_path):
    result, events = run_cli("--audio", str(media["no_audio"]), "--model-dir", str(captions_model_dir), "--out", str(tmp_path / "a.json"))
    assert (result.returncode, events[-1]["code"]) == (transcribe.EXIT_NO_AUDIO, "no_audio")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    result, events = run_cli("--audio", str(broken), "--model-dir", str(captions_model_dir), "--out", str(tmp_path / "b.json"))
    assert (result.returncode, events[-1]["code"]) == (transcribe.EXIT_AUDIO_UNREADABLE, "audio_unreadable")
    assert "Traceback" not in result.stderr


def test_bad_arguments_exit_2():
    result, _ = run_cli("--audio", "x.wav")
    assert result.returncode == transcribe.EXIT_USAGE
