"""The benchmark's dev split (for choosing settings) shares no recipe with training or the test split."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from emospeaker_studio.engine.speech import benchmark

TRAINING_SCRIPT = Path(__file__).resolve().parents[3] / "training" / "generate_speech_data.py"


def _training_recipe():
    spec = importlib.util.spec_from_file_location("generate_speech_data", TRAINING_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_split_is_disjoint_from_training_and_test():
    training = _training_recipe()
    dev_languages, test_languages = set(benchmark.DEV_SENTENCES), set(benchmark.SENTENCES)
    assert not dev_languages & set(training.TRAIN_LANGUAGES)
    assert not dev_languages & test_languages
    assert not set(benchmark.DEV_VARIANTS) & set(training.TRAIN_VARIANTS)
    assert not set(benchmark.DEV_VARIANTS) & set(benchmark.HELD_OUT_VARIANTS)
    dev_sentences = {s for texts in benchmark.DEV_SENTENCES.values() for s in texts}
    test_sentences = {s for texts in benchmark.SENTENCES.values() for s in texts}
    assert not dev_sentences & test_sentences
    assert not set(benchmark.DEV_RATES) & set(benchmark.RATES)
    assert not set(benchmark.DEV_PITCHES) & set(benchmark.PITCHES)


def test_splits_generate_their_own_clips():
    dev = benchmark.evaluation_set(quick=True, split="dev")
    test = benchmark.evaluation_set(quick=True)  # the test split stays the default
    assert len(dev) == len(benchmark.DEV_SENTENCES) and len(test) == len(benchmark.SENTENCES)
    assert {c.voice.split("+")[0] for c in dev} == set(benchmark.DEV_SENTENCES)
    assert all(c.phones for c in dev)
    with pytest.raises(ValueError):
        benchmark.evaluation_set(quick=True, split="train")


def test_settings_are_never_searched_on_the_test_split():
    with pytest.raises(ValueError):
        benchmark.coarticulation_grid("test")
