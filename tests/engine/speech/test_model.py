"""The shipped speech model: it loads, runs in chunks, and beats the DSP floor on held-out speech."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emospeaker_studio.engine.speech.analyze import Recognizer, recognize, resolve_recognizer
from emospeaker_studio.engine.speech.benchmark import _evaluate, evaluation_set
from emospeaker_studio.engine.speech.features import extract_features
from emospeaker_studio.engine.speech.model import load_model, model_available, run_model
from emospeaker_studio.paths import models_dir


def test_the_model_ships_small_and_auto_uses_it():
    assert model_available(), f"speech model missing from {models_dir()}"
    assert (models_dir() / "speech_viseme.pt").stat().st_size < 3_000_000
    assert (models_dir() / "speech_viseme.md").is_file()  # the model card
    assert resolve_recognizer("auto") is Recognizer.NETWORK


def test_chunked_inference_matches_one_pass(english_sentence):
    clip, _ = english_sentence
    features = extract_features([clip.samples])
    model = load_model()
    whole = run_model(model, features, chunk=10 ** 6)
    chunked = run_model(model, features, chunk=37)
    np.testing.assert_allclose(chunked.probs, whole.probs, atol=1e-4)
    np.testing.assert_allclose(chunked.articulation, whole.articulation, atol=1e-4)


def test_model_beats_the_dsp_floor_on_held_out_voices_and_languages():
    clips = evaluation_set(quick=True)
    audio = [c.samples for c in clips]
    dsp = _evaluate(Recognizer.DSP, clips, audio)
    net = _evaluate(Recognizer.NETWORK, clips, audio)
    assert net["viseme_accuracy"] > dsp["viseme_accuracy"] + 0.1
    assert net["jaw_r"] > dsp["jaw_r"]
    assert net["jaw_r"] >= 0.75
    assert net["closure_recall"] >= 0.9
    assert -60.0 <= net["offset_ms"] <= 20.0  # the mouth may lead a little, never lag


def test_network_hears_no_speech_in_silence():
    features = extract_features([np.zeros(16000 * 2, np.float32)])
    estimates = recognize(features, Recognizer.NETWORK)
    assert estimates.speech.max() < 0.2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_network_on_the_gpu_matches_the_cpu(english_sentence):
    """The network runs on the renderer's device; on a GPU it gives the CPU's answer."""
    clip, _ = english_sentence
    model = load_model()
    features = extract_features([clip.samples])
    on_cpu = run_model(model, features)
    on_gpu = run_model(model, features, device="cuda")
    np.testing.assert_allclose(on_gpu.probs, on_cpu.probs, atol=2e-3)
    np.testing.assert_allclose(on_gpu.articulation, on_cpu.articulation, atol=2e-3)
