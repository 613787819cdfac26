"""Captions: speech to text with faster-whisper (transcribe.py) and the model set-up (setup_model.py)."""
