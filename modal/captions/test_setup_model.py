"""The model set-up: parts joined in order and checked before model.bin takes its name, a
verified directory left alone, a corrupted one noticed; and the installed model is the one
the issue names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from captions import setup_model


def fake_wheel_files(folder: Path) -> dict[str, Path]:
    files = {}
    for name, content in {
        "model.bin.part1": b"first half|",
        "model.bin.part2": b"second half",
        "config.json": b"{}",
        "tokenizer.json": b"{}",
        "vocabulary.json": b"[]",
    }.items():
        (folder / name).write_bytes(content)
        files[name] = folder / name
    return files


def test_assemble_joins_the_parts_in_order_and_checks_the_result(tmp_path):
    files = fake_wheel_files(tmp_path)
    expected = hashlib.sha256(b"first half|second half").hexdigest()
    model_dir = tmp_path / "model"
    setup_model.assemble(files, model_dir, expected_sha256=expected)
    assert (model_dir / "model.bin").read_bytes() == b"first half|second half"
    assert setup_model.model_dir_problem(model_dir, expected_sha256=expected) is None
    assert sorted(p.name for p in model_dir.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]


def test_a_join_with_the_wrong_hash_leaves_no_model_bin(tmp_path):
    files = fake_wheel_files(tmp_path)
    model_dir = tmp_path / "model"
    with pytest.raises(setup_model.SetupError, match="SHA-256"):
        setup_model.assemble(files, model_dir, expected_sha256="0" * 64)
    assert not (model_dir / "model.bin").exists()
    assert [p.name for p in model_dir.iterdir() if p.name.startswith(".model.bin")] == []


def test_a_changed_or_incomplete_model_dir_is_noticed(tmp_path):
    files = fake_wheel_files(tmp_path)
    expected = hashlib.sha256(b"first half|second half").hexdigest()
    model_dir = tmp_path / "model"
    setup_model.assemble(files, model_dir, expected_sha256=expected)
    (model_dir / "model.bin").write_bytes(b"first half|second halF")
    assert "expected" in (setup_model.model_dir_problem(model_dir, expected_sha256=expected) or "")
    (model_dir / "tokenizer.json").unlink()
    assert "tokenizer.json" in (setup_model.model_dir_problem(model_dir, expected_sha256=expected) or "")


def test_a_verified_model_dir_is_left_alone(captions_model_dir, monkeypatch):
    def no_install(*_args):
        raise AssertionError("pip ran for a model that is already installed")

    monkeypatch.setattr(setup_model, "pip_install", no_install)
    monkeypatch.setattr(setup_model, "assemble", no_install)
    setup_model.ensure_model(captions_model_dir)


def test_the_installed_model_is_whisper_base_as_pinned(captions_model_dir):
    assert setup_model.model_dir_problem(captions_model_dir) is None
    requirements = setup_model.REQUIREMENTS.read_text()
    assert "e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff" in requirements
    assert "8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3" in requirements
