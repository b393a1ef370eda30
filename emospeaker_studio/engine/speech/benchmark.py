"""Lip-sync benchmark: every recognizer on speech held out from training, against exact phone timings.

The evaluation set is generated here with a recipe that shares nothing with
training (training/generate_speech_data.py) but the synthesizer: other
languages (fi, hu, nl, sv, hr, sw, eo and English), other espeak voice
variants, rates outside and between the training range, and real sentences
instead of pseudo-words. Scores are reported on the clean set and on the same
speech through a noisy phone line in a room.

Two splits, built the same way from disjoint recipes:
- ``test`` (the default): the figures reported in the model card;
- ``dev``: for choosing settings (the coarticulation constants), so the test
  figures are not tuned on the test set. Its languages and accents (nb, sk,
  sl, et, lv, af, en-029, en-gb-x-rp), voice variants, rates, pitches and
  sentences appear neither in training nor in the test split.

Run: ``python -m emospeaker_studio.engine.speech.benchmark [--split dev] [--quick] [-o out.json]``;
``--sphinx-align`` adds PocketSphinx forced alignment of each clip's transcript, scored on the
English clips only beside the other recognizers on the same clips (``report["english"]``);
``--grid`` scores the coarticulation settings around the shipped ones on the dev split
(``--grid noise``: the closure decision in noisy audio).
(``emospeaker-studio bench --speech`` calls :func:`run_speech_benchmark`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from emospeaker_studio.engine.audio import AudioClip
from emospeaker_studio.engine.speech import augment, sphinx
from emospeaker_studio.engine.speech.analyze import Recognizer, recognize, shape_track
from emospeaker_studio.engine.speech.coarticulation import coarticulate, resample_to_fps
from emospeaker_studio.engine.speech.espeak import Espeak, Phone, VoiceSettings
from emospeaker_studio.engine.speech.features import FRAME_RATE, Features, extract_features
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.engine.speech.metrics import GroundTruth, score
from emospeaker_studio.engine.speech.model import model_available
from emospeaker_studio.engine.speech.phonemes import (
    CLOSURE, VISEME_INDEX, articulation_curves, frame_targets, timed_units,
)

FPS = 25.0
PAD_S = 0.3
HELD_OUT_VARIANTS = ("m3", "m6", "f3", "f5", "klatt2", "klatt4", "Andy", "belinda", "david", "norbert", "adam", "aunty")
RATES = (115, 160, 205, 260)
PITCHES = (15, 45, 85)
SENTENCES: dict[str, tuple[str, ...]] = {
    "en-us": (
        "Peter picked a peck of pickled peppers before breakfast.",
        "My mother bought blue balloons for the birthday party.",
        "Could you open the window, please? It is warm in here.",
        "We will meet by the big bridge at seven this evening.",
        "Every morning the baker makes fresh bread and muffins.",
        "The museum opens at nine, but the map shop opens later.",
        "Somebody moved my bicycle from the basement.",
        "Think about what you want, then write it down.",
    ),
    "en-gb-scotland": (
        "The weather in Manchester was miserable, but the match went ahead.",
        "Bring me a pot of tea and a plate of biscuits, would you?",
        "Members of the committee voted by a narrow margin.",
    ),
    "fi": ("Hyvää huomenta, mitä sinulle kuuluu tänään?", "Me menemme huomenna mökille kalastamaan.",
           "Pieni poika piirsi punaisen talon paperille."),
    "hu": ("Jó reggelt kívánok, hogy van ma?", "A piros alma a polcon maradt.",
           "Budapesten minden buszmegálló mellett van egy bolt."),
    "nl": ("Goedemorgen, mag ik een kopje koffie bestellen?", "Mijn broer woont bij de molen aan de rivier.",
           "Wij gaan morgen met de boot naar het eiland."),
    "sv": ("God morgon, hur mår du i dag?", "Min mamma bakar bullar varje söndag.",
           "Vi promenerade längs stranden i solnedgången."),
    "hr": ("Dobro jutro, kako ste danas?", "Moja baka peče pitu od jabuka.",
           "Brod plovi prema malom otoku na moru."),
    "sw": ("Habari za asubuhi, rafiki yangu mpendwa.", "Mama anapika chakula kitamu jikoni.",
           "Watoto wanacheza mpira uwanjani baada ya shule."),
    "eo": ("Bonan matenon, kiel vi fartas hodiaŭ?", "Mia patro ŝatas promeni en la parko.",
           "La birdoj kantas bele en la maja mateno."),
}

# The development split. Variants: espeak ones not used by training
# (TRAIN_VARIANTS) nor by the test split, leaving out near-copies of training
# voices (Gene2, edward2, iven3/4, steph2/3) and the robot/whisper effects.
DEV_VARIANTS = ("Henrique", "quincy", "rob", "robert", "sandro", "shelby", "travis", "victor")
DEV_RATES = (135, 180, 235)  # between the test split's rates
DEV_PITCHES = (30, 65)
DEV_SENTENCES: dict[str, tuple[str, ...]] = {
    "en-029": (
        "Bobby brought a bucket of mangoes up from the market.",
        "Please pass me the pepper and the lime before you go.",
        "The boat came back to harbour when the wind picked up.",
    ),
    "en-gb-x-rp": (
        "Maybe the librarian simply misplaced the parcel.",
        "Both brothers played the piano at the summer fete.",
        "Would you mind waiting by the lamp post for a moment?",
    ),
    "nb": ("Mormor baker brød hver lørdag morgen.", "Vi tar bussen til byen i morgen tidlig.",
           "Hvor mye koster billetten til Bergen?"),
    "sk": ("Môj brat býva pri veľkom parku.", "Mama pripravila obed pre celú rodinu.",
           "Prosím, pomôžte mi s touto mapou."),
    "sl": ("Babica peče pecivo za praznike.", "Poleti gremo na morje z vlakom.",
           "Mesto ima lepo staro mestno jedro."),
    "et": ("Palun too mulle tass musta kohvi.", "Meie pere elab mere lähedal.",
           "Poiss mängib pargis palliga."),
    "lv": ("Mana māsa mīl ziemas pastaigas.", "Pilsētā ir daudz mazu muzeju.",
           "Paldies par brīnišķīgām vakariņām."),
    "af": ("My ma maak pap vir ontbyt.", "Die bome in die park is baie mooi.",
           "Ons gaan môre per boot na die eiland."),
}
SPLITS = ("test", "dev")


@dataclass(frozen=True)
class EvalClip:
    samples: np.ndarray  # 16 kHz
    phones: tuple[Phone, ...]
    voice: str
    text: str = ""  # the sentence spoken

    @property
    def language(self) -> str:
        return self.voice.split("+")[0]


def evaluation_set(quick: bool, split: str = "test") -> list[EvalClip]:
    """Deterministic held-out clips of one split: each sentence once, voices/rates/pitches cycled."""
    if split == "test":
        texts, variants, rates, pitches = SENTENCES, HELD_OUT_VARIANTS, RATES, PITCHES
    elif split == "dev":
        texts, variants, rates, pitches = DEV_SENTENCES, DEV_VARIANTS, DEV_RATES, DEV_PITCHES
    else:
        raise ValueError(f"unknown benchmark split {split!r}; choose one of {', '.join(SPLITS)}")
    engine = Espeak()
    clips = []
    index = 0
    for language, sentences in texts.items():
        for sentence in sentences[:1] if quick else sentences:
            variant = variants[index % len(variants)]
            settings = VoiceSettings(f"{language}+{variant}", rate=rates[index % len(rates)],
                                     pitch=pitches[index % len(pitches)], pitch_range=60)
            index += 1
            utterance = engine.synthesize(sentence, settings)
            pad = np.zeros(int(PAD_S * augment.RATE), np.float32)
            samples = np.concatenate([pad, augment.to_rate(utterance.samples, utterance.sample_rate), pad])
            phones = tuple(Phone(p.symbol, p.start_s + PAD_S, p.end_s + PAD_S) for p in utterance.phones)
            clips.append(EvalClip(samples, phones, settings.voice, sentence))
    return clips


def noisy_phone(samples: np.ndarray, seed: int) -> np.ndarray:
    """A small room, a phone line and street-level noise at 15 dB SNR."""
    rng = np.random.default_rng(seed)
    out = augment.reverb(samples, rng, rt60_s=0.35, wet=0.35)
    out = augment.telephone(out)
    return augment.add_noise(out, rng, snr_db=15.0, exponent=1.0)


def ground_truth(clip: EvalClip, frames: int) -> GroundTruth:
    labels, _ = frame_targets(clip.phones, FPS, frames)
    analysis_frames = int(np.ceil(clip.samples.size / augment.RATE * FRAME_RATE))
    _, curves = articulation_curves(clip.phones, FRAME_RATE, analysis_frames)
    openness = resample_to_fps(curves[:, 0], FPS, frames)
    closures = []
    for unit in timed_units(clip.phones):
        if VISEME_INDEX[unit.shape.viseme] == CLOSURE:
            if closures and abs(closures[-1][1] - unit.start_s) < 1e-6:
                closures[-1] = (closures[-1][0], unit.end_s)  # "mb": one closure
            else:
                closures.append((unit.start_s, unit.end_s))
    return GroundTruth(labels, openness.astype(np.float32), tuple(closures))


# One recognizer as the benchmark runs it: (16 kHz samples, their features, the transcript) -> frame estimates.
Estimator = Callable[[np.ndarray, Features, str], FrameEstimates]
# Benchmark-only recognizers (optional packages), scored beside the app's; not wired into the app.
SPHINX = "pocketsphinx"  # free phone recognition
SPHINX_WORDS = "pocketsphinx_words"  # word recognition, then phone alignment of the words
SPHINX_ALIGN = "pocketsphinx_align"  # forced alignment of the clip's transcript (English clips only)
_SPHINX_MODES = {SPHINX: "phones", SPHINX_WORDS: "words", SPHINX_ALIGN: sphinx.ALIGN}


def english(clip: EvalClip) -> bool:
    """Clips the English dictionary can align (every English accent of the splits)."""
    return clip.language.startswith("en")


def _estimator(recognizer: "Recognizer | str", fallbacks: list[str] | None = None) -> Estimator:
    if recognizer == SPHINX_ALIGN:
        def align(samples, features, text):
            result = sphinx.align_sphinx(samples, features.frames, text)
            if not result.aligned and fallbacks is not None:
                fallbacks.append(f"{text!r}: {result.fallback_reason}")
            return result.estimates
        return align
    if recognizer in _SPHINX_MODES:
        mode = _SPHINX_MODES[recognizer]
        return lambda samples, features, text: sphinx.recognize_sphinx(samples, features.frames, mode)
    return lambda samples, features, text: recognize(features, recognizer)


def _evaluate(recognizer: "Recognizer | str", clips: list[EvalClip], audio: list[np.ndarray]) -> dict:
    fallbacks: list[str] = []
    estimate = _estimator(recognizer, fallbacks)
    tracks, truths = [], []
    seconds = sum(a.size for a in audio) / augment.RATE
    first = audio[0][: augment.RATE]
    estimate(first, extract_features([first]), "")  # load the model outside the timing
    fallbacks.clear()
    started = time.perf_counter()
    for clip, samples in zip(clips, audio):
        features = extract_features([samples])
        frames = int(np.ceil(samples.size / augment.RATE * FPS))
        tracks.append(shape_track(estimate(samples, features, clip.text), features, recognizer, FPS, frames))
    elapsed = time.perf_counter() - started
    for clip, track in zip(clips, tracks):
        truths.append(ground_truth(clip, track.frame_count))
    result = _scores(tracks, truths)
    result["speed_x_realtime"] = round(seconds / elapsed, 1)
    if recognizer == SPHINX_ALIGN:
        result["aligned_clips"] = len(clips) - len(fallbacks)
        result["fallbacks"] = fallbacks  # clips that fell back to free phone recognition, and why
    return result


def _scores(tracks, truths) -> dict:
    """score() plus shown_jaw_r: the jaw as the animation shows it, where lip_press
    takes over from the jaw (engine/animation/articulation.py), jaw_open x (1 - lip_press)."""
    result = score(tracks, truths).as_dict()
    shown = np.concatenate([t.tracks["jaw_open"] * (1.0 - t.tracks["lip_press"]) for t in tracks])
    openness = np.concatenate([g.openness for g in truths])
    result["shown_jaw_r"] = round(float(np.corrcoef(shown, openness)[0, 1]), 4) if shown.std() > 0 else 0.0
    return result


def _speed(recognizer: Recognizer, seconds: float) -> float:
    """× real time on one long synthetic stream (speech-like noise bursts), warm."""
    from emospeaker_studio.engine.speech.analyze import analyze_speech

    rng = np.random.default_rng(0)
    samples = augment.coloured_noise(int(seconds * augment.RATE), rng, 1.0) * 0.1
    samples *= (np.sin(np.arange(samples.size) / augment.RATE * 2 * np.pi * 3) > 0)
    analyze_speech(AudioClip.from_samples(samples[: augment.RATE], augment.RATE), FPS, recognizer=recognizer)
    started = time.perf_counter()
    analyze_speech(AudioClip.from_samples(samples, augment.RATE), FPS, recognizer=recognizer)
    return round(seconds / (time.perf_counter() - started), 1)


def run_speech_benchmark(out_json: Path | None = None, quick: bool = False, split: str = "test",
                         sphinx_words: bool = False, sphinx_align: bool = False) -> dict:
    """Score every available recognizer on one split; returns (and optionally writes) the figures.

    sphinx_words: also score PocketSphinx word recognition + phone alignment
    (slower than real time, so only on request).
    sphinx_align: also score PocketSphinx forced alignment of each clip's
    transcript; the English dictionary cannot align other languages, so it is
    scored on the English clips only, in ``report["english"]`` beside the
    network and free PocketSphinx on the same clips.
    """
    from emospeaker_studio.core.files import atomic_write_text

    clips = evaluation_set(quick, split)
    recognizers: list = [Recognizer.DSP] + ([Recognizer.NETWORK] if model_available() else [])
    skipped = {}
    if sphinx.available():
        recognizers += [SPHINX] + ([SPHINX_WORDS] if sphinx_words else [])
    else:
        skipped[SPHINX] = "not installed (pip install 'emospeaker-studio[pocketsphinx]')"
        print(f"{SPHINX}: not installed", file=sys.stderr)
        if sphinx_align:
            skipped[SPHINX_ALIGN] = skipped[SPHINX]
    clean = [c.samples for c in clips]
    degraded = [noisy_phone(c.samples, k) for k, c in enumerate(clips)]
    report: dict = {
        "split": split,
        "fps": FPS,
        "clips": len(clips),
        "audio_seconds": round(sum(a.size for a in clean) / augment.RATE, 1),
        "languages": sorted({c.voice.split("+")[0] for c in clips}),
        "voices": sorted({c.voice for c in clips}),
        "targets": {"jaw_r": ">= 0.8", "closure_recall": ">= 0.95", "offset_ms": "-60 .. +20"},
        "recognizers": {},
        "skipped": skipped,
    }
    for recognizer in recognizers:
        entry = {"clean": _evaluate(recognizer, clips, clean)}
        if not quick:
            entry["noisy_phone"] = _evaluate(recognizer, clips, degraded)
            if recognizer not in _SPHINX_MODES:  # the app's path (analyze_speech) on a 10-minute stream
                entry["speed_x_realtime_10min"] = _speed(recognizer, 600.0)
        report["recognizers"][getattr(recognizer, "value", recognizer)] = entry
    english_clips = [k for k, c in enumerate(clips) if english(c)]
    if sphinx_align and sphinx.available() and english_clips:
        subset = [clips[k] for k in english_clips]
        section: dict = {"clips": len(subset), "languages": sorted({c.language for c in subset}),
                         "audio_seconds": round(sum(c.samples.size for c in subset) / augment.RATE, 1),
                         "recognizers": {}}
        for recognizer in [r for r in recognizers if r != SPHINX_WORDS] + [SPHINX_ALIGN]:
            entry = {"clean": _evaluate(recognizer, subset, [clean[k] for k in english_clips])}
            if not quick:
                entry["noisy_phone"] = _evaluate(recognizer, subset, [degraded[k] for k in english_clips])
            section["recognizers"][getattr(recognizer, "value", recognizer)] = entry
        report["english"] = section
    if out_json is not None:
        atomic_write_text(Path(out_json), json.dumps(report, indent=2))
    return report


# The coarticulation constants that matter for the scores, and the values tried
# around the shipped ones (closure thresholds: lip_press and p/b/m posterior together).
GRID: dict[str, tuple[float, ...]] = {
    "LOOKAHEAD_S": (0.04, 0.06, 0.08, 0.10),
    "EASE_S": (0.01, 0.02, 0.03),
    "CLOSURE_ON": (0.3, 0.4, 0.5),
}
# The closure decision in noise (--grid noise): thresholds and how deep an unsure closure goes.
NOISE_GRID: dict[str, tuple[float, ...]] = {
    "NOISY_CLOSURE_ON": (0.3, 0.4, 0.5),
    "NOISY_CLOSURE_PROB": (0.3, 0.4),
    "PULL_FROM": (0.3, 0.5, 0.7),
    "PULL_TO": (0.7, 0.9, 1.0),
    "PULL_FLOOR": (0.5, 0.6, 0.75, 1.0),
}
GRIDS = {"coarticulation": GRID, "noise": NOISE_GRID}


def coarticulation_grid(split: str = "dev", grid: str = "coarticulation") -> list[dict]:
    """Network scores (clean and noisy phone line) for every combination in GRIDS[grid], on the dev split.

    The recognizer runs once per clip; only coarticulation is repeated. The
    test split is refused so that settings are never chosen on it.
    """
    import itertools

    from emospeaker_studio.engine.speech import coarticulation

    if split != "dev":
        raise ValueError("settings are chosen on the dev split only")
    table = GRIDS[grid]
    clips = evaluation_set(False, split)
    conditions = {"clean": [c.samples for c in clips],
                  "noisy_phone": [noisy_phone(c.samples, k) for k, c in enumerate(clips)]}
    estimates = {}
    for name, audio in conditions.items():
        estimates[name] = []
        for a in audio:
            features = extract_features([a])
            estimates[name].append((recognize(features, Recognizer.NETWORK), features,
                                    int(np.ceil(a.size / augment.RATE * FPS))))
    names = (*table, "CLOSURE_PROB")
    saved = {name: getattr(coarticulation, name) for name in names}
    rows = []
    try:
        for values in itertools.product(*table.values()):
            params = dict(zip(table, values))
            if grid == "noise" and params["PULL_TO"] <= params["PULL_FROM"]:
                continue
            tied = {"CLOSURE_PROB": params["CLOSURE_ON"]} if "CLOSURE_ON" in params else {}
            for name, value in {**params, **tied}.items():
                setattr(coarticulation, name, value)
            row: dict = {"params": params}
            for name, items in estimates.items():
                tracks = [coarticulate(e, FPS, frames, features=f) for e, f, frames in items]
                row[name] = _scores(tracks, [ground_truth(c, t.frame_count) for c, t in zip(clips, tracks)])
            rows.append(row)
    finally:
        for name, value in saved.items():
            setattr(coarticulation, name, value)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Lip-sync benchmark on held-out synthetic speech.")
    parser.add_argument("-o", "--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="one sentence per language, clean audio only")
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="test: the reported figures (default); dev: for choosing settings")
    parser.add_argument("--sphinx-words", action="store_true",
                        help="also score PocketSphinx word recognition + alignment (slow: below real time)")
    parser.add_argument("--sphinx-align", action="store_true",
                        help="also score PocketSphinx forced alignment of the transcript, on the English clips "
                             "(beside the network and free PocketSphinx on the same clips)")
    parser.add_argument("--grid", nargs="?", const="coarticulation", choices=sorted(GRIDS), default=None,
                        help="score settings on the dev split, one JSON line each: coarticulation (GRID, "
                             "the default) or noise (NOISE_GRID, the closure decision in noisy audio)")
    args = parser.parse_args()
    if args.grid:
        for row in coarticulation_grid("dev", args.grid):
            print(json.dumps(row))
        return
    print(json.dumps(run_speech_benchmark(args.out, args.quick, args.split, args.sphinx_words,
                                          args.sphinx_align), indent=2))


if __name__ == "__main__":
    main()
