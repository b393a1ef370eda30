"""Speech with exact phone timings from espeak-ng's shared library, through ctypes.

espeak-ng is initialised in synchronous mode with phoneme events enabled; its
synthesis callback hands over each buffer of 16-bit samples (22 050 Hz)
together with events, and every phoneme event carries the phoneme's mnemonic
and its position in the audio. That gives training and evaluation speech whose
phone boundaries are known exactly, in any of espeak's ~100 languages.

The library keeps global state, so one process holds one :class:`Espeak`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass

import numpy as np

from emospeaker_studio.core.errors import UserError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_PARAM_RANGE = 4
_PARAM_WORDGAP = 7


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    # espeak_EVENT from speak_lib.h
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),  # sample index in the output
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class Phone:
    """One phoneme: espeak mnemonic, start and end in seconds from the start of the audio."""

    symbol: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Utterance:
    """Synthesized speech: int16-range float32 samples scaled to -1..1, and its phones in order."""

    samples: np.ndarray
    sample_rate: int
    phones: tuple[Phone, ...]
    text: str
    voice: str


@dataclass(frozen=True)
class VoiceSettings:
    """espeak voice name (e.g. "de" or "en-us+f3"), rate in words/min, pitch and range 0..100."""

    voice: str
    rate: int = 175
    pitch: int = 50
    pitch_range: int = 50
    word_gap: int = 0  # extra pause between words, in units of 10 ms


class Espeak:
    """A synchronous espeak-ng synthesizer that reports phoneme timings."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib = ctypes.CDLL(name)
        except OSError as exc:
            raise UserError("espeak-ng is not installed; install the espeak-ng package (libespeak-ng1)") from exc
        flags = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        self.sample_rate = int(self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, flags))
        if self.sample_rate <= 0:
            raise UserError("espeak-ng failed to initialise; reinstall espeak-ng-data")
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        # Keep a reference: ctypes would free the trampoline otherwise.
        self._callback = _SynthCallback(self._on_synth)
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]

    def _on_synth(self, wav, count, events) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).astype(np.int16))
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_PHONEME:
                self._events.append((int(event.sample), event.id.string.decode("ascii", "replace")))
            index += 1
        return 0  # continue synthesis

    def synthesize(self, text: str, settings: VoiceSettings) -> Utterance:
        """Speak ``text`` with ``settings``; phones cover the audio from its first to its last sample."""
        with self._lock:
            # The synth callback is global to the library: another Espeak made
            # since (and perhaps freed) would receive this one's audio, so take it back.
            self._lib.espeak_SetSynthCallback(self._callback)
            if self._lib.espeak_SetVoiceByName(settings.voice.encode()) != 0:
                raise UserError(f"espeak-ng has no voice {settings.voice!r}; run `espeak-ng --voices` to list them")
            self._lib.espeak_SetParameter(_PARAM_RATE, int(settings.rate), 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, int(settings.pitch), 0)
            self._lib.espeak_SetParameter(_PARAM_RANGE, int(settings.pitch_range), 0)
            self._lib.espeak_SetParameter(_PARAM_VOLUME, 100, 0)
            self._lib.espeak_SetParameter(_PARAM_WORDGAP, int(settings.word_gap), 0)
            self._chunks, self._events = [], []
            data = text.encode("utf-8") + b"\0"
            self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
        samples = (np.concatenate(chunks) if chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768.0
        return Utterance(samples, self.sample_rate, _phones_from_events(events, samples.size, self.sample_rate),
                         text, settings.voice)


def _phones_from_events(events: list[tuple[int, str]], total: int, rate: int) -> tuple[Phone, ...]:
    # A phone lasts until the next phone event starts; several events at one
    # sample (e.g. a pause marker and the phone after it) keep only the last.
    ordered: list[tuple[int, str]] = []
    for sample, symbol in events:
        if ordered and ordered[-1][0] == sample:
            ordered[-1] = (sample, symbol)
        else:
            ordered.append((sample, symbol))
    phones = []
    if ordered and ordered[0][0] > 0:
        phones.append(Phone("_", 0.0, ordered[0][0] / rate))
    for index, (sample, symbol) in enumerate(ordered):
        end = ordered[index + 1][0] if index + 1 < len(ordered) else total
        if end > sample:
            phones.append(Phone(symbol, sample / rate, min(end, total) / rate))
    return tuple(phones)
