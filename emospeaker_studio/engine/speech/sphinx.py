"""PocketSphinx recognition as a recognizer (the approach of Rhubarb Lip Sync). Benchmark only.

Two modes, both with the US English acoustic model that ships inside the
``pocketsphinx`` wheel:
- ``phones``: free phone recognition with the wheel's phonetic language model
  (``allphone`` search; beams 1e-20 and language weight 2, the settings of
  PocketSphinx's phoneme-recognition notes);
- ``words``: word recognition with the wheel's English language model and
  dictionary, then a second pass that aligns the recognized words' phones to
  the audio (Rhubarb's default when no transcript is given);
- :func:`align_sphinx`: forced alignment of a given transcript (Rhubarb's
  mode with ``--dialogFile``): the transcript's words, looked up in the
  wheel's dictionary, are aligned to the audio phone by phone. When that
  cannot be done (a word not in the dictionary, no alignment found, a decoder
  error) it falls back to free phone recognition and says so.

Each recognized CMU/ARPAbet phone is written as the
espeak mnemonic of the same sound, so that ``phonemes.py`` gives its visemes
and articulation targets exactly as it does for the training and benchmark
ground truth (diphthongs split, targets eased).

It is measured by the benchmark and not used by the app: it scores far below
the network on jaw correlation and p/b/m closures and runs ~20-25x real time
(see ``models/speech_viseme.md``). Optional dependency: install with
``pip install emospeaker-studio[pocketsphinx]``; :func:`available` says
whether it is there.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emospeaker_studio.engine.speech.features import FRAME_RATE
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.engine.speech.phonemes import SILENCE, articulation_curves
from emospeaker_studio.engine.speech.track import VISEMES

# CMU / ARPAbet phones (the 39 of the CMU dictionary, as the en-us model names
# them) -> the espeak mnemonic of the same sound (General American).
ARPABET_TO_ESPEAK: dict[str, str] = {
    "AA": "A:", "AE": "a", "AH": "V", "AO": "O:", "AW": "aU", "AY": "aI", "B": "b", "CH": "tS", "D": "d",
    "DH": "D", "EH": "E", "ER": "3:", "EY": "eI", "F": "f", "G": "g", "HH": "h", "IH": "I", "IY": "i:",
    "JH": "dZ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N", "OW": "oU", "OY": "OI", "P": "p", "R": "r",
    "S": "s", "SH": "S", "T": "t", "TH": "T", "UH": "U", "UW": "u:", "V": "v", "W": "w", "Y": "j", "Z": "z",
    "ZH": "Z",
}
# Silence and the model's fillers (breath, noise, ...) all leave the mouth at rest.
_REST = "_"


@dataclass(frozen=True)
class RecognizedPhone:
    """One recognized phone in espeak notation, with the times phonemes.py expects."""

    symbol: str
    start_s: float
    end_s: float


def available() -> bool:
    return importlib.util.find_spec("pocketsphinx") is not None


def espeak_symbol(arpabet: str) -> str:
    """espeak mnemonic of one ARPAbet phone (stress digits ignored); rest for silence and fillers."""
    return ARPABET_TO_ESPEAK.get(arpabet.rstrip("012").upper(), _REST)


def estimates_from_phones(arpabet: list[tuple[str, int, int]], frames: int) -> FrameEstimates:
    """FrameEstimates (100/s) from ARPAbet phones with [first, last] frame indices, as PocketSphinx gives them."""
    phones = [RecognizedPhone(espeak_symbol(name), first / FRAME_RATE, (last + 1) / FRAME_RATE)
              for name, first, last in arpabet]
    labels, curves = articulation_curves(phones, FRAME_RATE, frames)
    # A phone recognizer commits to one phone: a near one-hot posterior.
    probs = np.full((frames, len(VISEMES)), 0.02 / (len(VISEMES) - 1), np.float32)
    probs[np.arange(frames), labels] = 0.98
    speech = (labels != SILENCE).astype(np.float32)
    return FrameEstimates(probs, curves.astype(np.float32), speech)


MODES = ("phones", "words")
ALIGN = "align"


def _decoder(mode: str):
    from pocketsphinx import Decoder, get_model_path

    model = Path(get_model_path()) / "en-us"
    if mode == "phones":
        return Decoder(hmm=str(model / "en-us"), allphone=str(model / "en-us-phone.lm.bin"),
                       beam=1e-20, pbeam=1e-20, lw=2.0, loglevel="FATAL")
    if mode == ALIGN:  # dictionary only: the search is set per utterance by set_align_text
        # Default beams (wider ones align any transcript to any audio, so failure means nothing);
        # dither (seeded) so that digital silence does not stop the alignment.
        return Decoder(hmm=str(model / "en-us"), dict=str(model / "cmudict-en-us.dict"), dither=True, seed=1,
                       loglevel="FATAL")
    if mode == "words":
        return Decoder(hmm=str(model / "en-us"), lm=str(model / "en-us.lm.bin"),
                       dict=str(model / "cmudict-en-us.dict"), loglevel="FATAL")
    raise ValueError(f"unknown PocketSphinx mode {mode!r}; choose one of {', '.join(MODES)}")


_DECODERS: dict[str, object] = {}


def _get_decoder(mode: str):
    if mode not in _DECODERS:
        _DECODERS[mode] = _decoder(mode)
    return _DECODERS[mode]


def _pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def transcript_words(text: str) -> list[str]:
    """The transcript as dictionary words: lower case, punctuation dropped (apostrophes kept)."""
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("’", "'"))


@dataclass(frozen=True)
class AlignResult:
    """Estimates from :func:`align_sphinx`; ``aligned`` False when it fell back to free recognition, and why."""

    estimates: FrameEstimates
    aligned: bool
    fallback_reason: str = ""


def align_sphinx(samples: np.ndarray, frames: int, text: str) -> AlignResult:
    """Forced alignment of the English transcript ``text`` to 16 kHz mono ``samples``, as frame estimates.

    Falls back to free phone recognition (``recognize_sphinx(..., "phones")``)
    when a word is not in the dictionary, no alignment is found, or the
    decoder fails; ``AlignResult.aligned`` and ``fallback_reason`` say so.
    """
    def fallback(reason: str) -> AlignResult:
        return AlignResult(recognize_sphinx(samples, frames, "phones"), False, reason)

    words = transcript_words(text)
    if not words:
        return fallback("empty transcript")
    decoder = _get_decoder(ALIGN)
    missing = [w for w in words if decoder.lookup_word(w) is None]
    if missing:
        return fallback("not in the dictionary: " + " ".join(missing))
    pcm = _pcm(samples)
    try:
        decoder.set_align_text(" ".join(words))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            return fallback("no alignment found")
        decoder.set_alignment()  # second pass: phone durations
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        alignment = decoder.get_alignment()
        phones = [(p.name, p.start, p.start + p.duration - 1) for p in alignment.phones()] if alignment else []
    except RuntimeError as error:
        _DECODERS.pop(ALIGN, None)  # a fresh decoder for the next transcript
        return fallback(f"decoder error: {error}")
    if not phones:
        return fallback("no alignment found")
    return AlignResult(estimates_from_phones(phones, frames), True)


def recognize_sphinx(samples: np.ndarray, frames: int, mode: str = "phones") -> FrameEstimates:
    """Frame estimates for ``frames`` analysis frames of 16 kHz mono float ``samples`` (the model's rate).

    PocketSphinx reports phones on the same 10 ms frame grid as the features.
    """
    if mode not in MODES:
        raise ValueError(f"unknown PocketSphinx mode {mode!r}; choose one of {', '.join(MODES)}")
    decoder = _get_decoder(mode)
    pcm = _pcm(samples)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    if mode == "phones":
        phones = [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]
        return estimates_from_phones(phones, frames)
    if decoder.hyp() is None or not decoder.hyp().hypstr:
        return recognize_sphinx(samples, frames, "phones")  # no words heard: free phone recognition
    try:
        decoder.set_alignment()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        alignment = decoder.get_alignment()
        phones = [(p.name, p.start, p.start + p.duration - 1) for p in alignment.phones()]
    except RuntimeError:
        phones = None  # the words could not be aligned
    finally:
        decoder.activate_search()
    if not phones:
        return recognize_sphinx(samples, frames, "phones")  # fall back to free phone recognition
    return estimates_from_phones(phones, frames)

