"""Generate the speech model's training set: espeak-ng speech with exact phone timings, degraded.

Recipe (the benchmark uses a different one: other languages, voices, rates
and texts, see emospeaker_studio/engine/speech/benchmark.py):
- texts: pseudo-words from a syllable grammar in each training language's
  spelling, plus random sequences of common English words;
- voices: 14 training languages x 54 espeak voice variants, rate 100-300 wpm,
  pitch 20-80, pitch range 20-90; optionally (--random-variants N) N more
  variants invented with random formants, voicing, consonant loudness, breath
  and pitch, speaking --random-share of the clips;
- speed/pitch perturbation 0.9-1.1 by resampling; room reverb (--reverb-share);
  telephone band (--phone-share) or low-pass; white/pink/brown noise at 0-40 dB SNR; background music; gain
  -30..+6 dB, clipping, DC offset; Opus/MP3 round trips;
- ~9 % of clips contain no speech (music, noise, near silence), labelled rest.

Output: one .npz with log-mel frames (100/s), viseme labels, eased
articulation targets and clip boundaries. Usage (the shipped model's sets are
in models/speech_viseme.md):
    python training/generate_speech_data.py --out /tmp/emospeaker_speech/train.npz --minutes 60
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.speech import augment
from emospeaker_studio.engine.speech.espeak import Espeak, Phone, VoiceSettings
from emospeaker_studio.engine.speech.features import FRAME_RATE, extract_features
from emospeaker_studio.engine.speech.phonemes import SILENCE, articulation_curves

TRAIN_LANGUAGES = ("en-us", "en", "de", "fr", "es", "it", "pt", "pl", "cs", "tr", "id", "da", "ro", "ca")
# espeak voice variants; the benchmark's (m3 m6 f3 f5 klatt2 klatt4 Andy belinda
# david norbert adam aunty) are left out, and so is AnxiousAndy, a copy of Andy.
TRAIN_VARIANTS = ("", "m1", "m2", "m4", "m5", "m7", "m8", "f1", "f2", "f4", "klatt", "klatt3", "klatt5", "klatt6",
                  "Alex", "Alicia", "Andrea", "Annie", "Denis", "Diogo", "Gene", "Hugo", "Jacky", "Lee", "Marco",
                  "Mario", "Michael", "Mike", "Nguyen", "Storm", "anika", "announcer", "antonio", "benjamin",
                  "boris", "caleb", "ed", "edward", "grandma", "grandpa", "gustave", "iven", "iven2", "john",
                  "kaukovalta", "linda", "marcelo", "max", "michel", "miguel", "pablo", "paul", "pedro", "steph")
ONSETS = ("p", "b", "m", "f", "v", "t", "d", "n", "l", "r", "s", "z", "k", "g", "h", "j", "w", "sh", "ch", "th",
          "br", "pl", "st", "tr", "gr", "fl", "sp", "mb", "", "", "")
NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "au", "ou", "ee", "oo", "ie", "y")
CODAS = ("", "", "", "n", "m", "s", "t", "r", "l", "p", "k", "b", "nt", "st", "mp")
ENGLISH_WORDS = (
    "the a of to and in is it you that he was for on are with as I his they be at one have this from or had "
    "by word but what some we can out other were all there when up use your how said an each she which do their "
    "time if will way about many then them write would like so these her long make thing see him two has look "
    "more day could go come did number sound no most people my over know water than call first who may down side "
    "been now find head stand own page should country found answer school grow study still learn plant cover "
    "food sun four between state keep eye never last let thought city tree cross farm hard start might story saw "
    "far sea draw left late run don't while press close night real life few north open seem together next white "
    "children begin got walk example ease paper group always music those both mark often letter until mile river "
    "car feet care second book carry took science eat room friend began idea fish mountain stop once base hear "
    "horse cut sure watch colour face wood main enough plain girl usual young ready above ever red list though "
    "feel talk bird soon body dog family direct pose leave song measure door product black short numeral class "
    "wind question happen complete ship area half rock order fire south problem piece told knew pass since top "
    "whole king space heard best hour better true during hundred five remember step early hold west ground "
    "interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay "
    "against pattern slow centre love person money serve appear road map rain rule govern pull cold notice voice "
    "unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest"
).split()


def pseudo_text(rng: np.random.Generator) -> str:
    words = []
    for _ in range(int(rng.integers(3, 11))):
        syllables = int(rng.integers(1, 4))
        words.append("".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(syllables)))
    return _punctuate(words, rng)


def english_text(rng: np.random.Generator) -> str:
    return _punctuate([str(w) for w in rng.choice(ENGLISH_WORDS, int(rng.integers(4, 13)))], rng)


def _punctuate(words: list[str], rng: np.random.Generator) -> str:
    text = ""
    for index, word in enumerate(words):
        text += word
        if index < len(words) - 1:
            text += ", " if rng.random() < 0.12 else " "
    return text + rng.choice([".", ".", "?", "!"])


RANDOM_VARIANT = "emotrain{}"  # invented voice variants, written by random_variants()


def _espeak_data_dir() -> Path:
    for candidate in ("/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
                      "/usr/share/espeak-ng-data", "/usr/lib/espeak-ng-data", *glob.glob("/usr/lib/*/espeak-ng-data")):
        if (Path(candidate) / "voices" / "!v").is_dir():
            return Path(candidate)
    raise UserError("espeak-ng-data with voice variants was not found")


def random_variants(count: int, rng: np.random.Generator) -> Path:
    """A copy of espeak-ng-data (links) whose voices/!v holds ``count`` invented voice variants too.

    espeak's own variants differ in a few ways only; real voices differ more
    (one loud nasal murmur, weak voicing, a breathy or rough source), and an
    unseen espeak variant with, say, a loud nasal formant made the network miss
    m closures. Each invented variant draws formant frequencies, heights and
    widths, voicing and consonant loudness, breath, roughness and pitch.
    Returns the folder to give espeak as ESPEAK_DATA_PATH.
    """
    source = _espeak_data_dir()
    root = Path(tempfile.mkdtemp(prefix="emospeaker_espeak_"))
    data = root / "espeak-ng-data"
    (data / "voices" / "!v").mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name != "voices":
            os.symlink(entry, data / entry.name)
    # espeak lists at most 349 voices (languages + variants + mbrola voices) and silently drops the rest, so
    # only the training variants are linked (no mbrola voices, no benchmark variants).
    for name in TRAIN_VARIANTS:
        if name:
            os.symlink(source / "voices" / "!v" / name, data / "voices" / "!v" / name)
    listed = sum(1 for _ in (source / "lang").rglob("*") if _.is_file()) + len(TRAIN_VARIANTS) - 1 + count
    if listed > 340:
        raise UserError(f"{count} invented variants would overflow espeak's voice list; use at most {count + 340 - listed}")
    for index in range(count):
        lines = ["language variant", f"name {RANDOM_VARIANT.format(index)}"]
        low = int(rng.integers(60, 160))
        lines.append(f"pitch {low} {low + int(rng.integers(40, 140))}")
        for formant in range(9):
            # formant N frequency% height% width%; 0 is the nasal formant
            frequency = int(rng.uniform(85, 118)) if formant else 100
            height = int(rng.uniform(20, 180) if formant in (0, 6, 7, 8) else rng.uniform(50, 160))
            lines.append(f"formant {formant} {frequency} {height} {int(rng.uniform(70, 140))}")
        lines.append(f"voicing {int(rng.uniform(35, 100))}")
        lines.append(f"consonants {int(rng.uniform(40, 110))} {int(rng.uniform(40, 110))}")
        if rng.random() < 0.3:
            lines.append("breath " + " ".join(str(int(rng.uniform(0, 40))) for _ in range(8)))
        lines.append(f"roughness {int(rng.integers(0, 4))}")
        lines.append(f"flutter {int(rng.integers(0, 20))}")
        (data / "voices" / "!v" / RANDOM_VARIANT.format(index)).write_text("\n".join(lines) + "\n")
    return root


def _voice(rng: np.random.Generator, random_variants: int = 0, random_share: float = 0.0) -> VoiceSettings:
    language = str(rng.choice(TRAIN_LANGUAGES))
    if random_variants and rng.random() < random_share:
        variant = RANDOM_VARIANT.format(int(rng.integers(random_variants)))
    else:
        variant = str(rng.choice(TRAIN_VARIANTS))
    return VoiceSettings(
        voice=language + (f"+{variant}" if variant else ""),
        rate=int(rng.integers(100, 301)),
        pitch=int(rng.integers(20, 81)),
        pitch_range=int(rng.integers(20, 91)),
        word_gap=int(rng.choice([0, 0, 0, 1, 3])),
    )


def degrade(samples: np.ndarray, rng: np.random.Generator, reverb_share: float = 0.35,
            phone_share: float = 0.2) -> np.ndarray:
    """A random chain of the augment degradations (16 kHz in and out).

    reverb_share: the share of clips through a room; phone_share: the share
    through a telephone band (a further 15 % are low-passed).
    """
    if rng.random() < reverb_share:
        samples = augment.reverb(samples, rng, rt60_s=float(rng.uniform(0.15, 0.8)), wet=float(rng.uniform(0.2, 0.7)))
    band = rng.random()
    if band < phone_share:
        samples = augment.telephone(samples)
    elif band < phone_share + 0.15:
        samples = augment.lowpass(samples, float(rng.uniform(2500, 6000)))
    if rng.random() < 0.15:
        samples = samples + augment.music(samples.size, rng) * np.sqrt(np.mean(samples ** 2)) * 10 ** (-rng.uniform(5, 25) / 20) * 2
    if rng.random() < 0.7:
        samples = augment.add_noise(samples, rng, snr_db=float(rng.uniform(0, 40)), exponent=float(rng.choice([0, 1, 2])))
    else:
        samples = augment.add_noise(samples, rng, snr_db=float(rng.uniform(50, 70)), exponent=0.0)
    if rng.random() < 0.12:
        try:
            samples = augment.codec(samples, str(rng.choice(["libopus", "libmp3lame"])), str(rng.choice(["16k", "32k"])))
        except Exception:  # a codec missing from this ffmpeg build: keep the clip uncompressed
            pass
    clip = 1.0 if rng.random() < 0.15 else None
    gain = float(rng.uniform(6, 20)) if clip else float(rng.uniform(-30, 6))
    samples = augment.gain_and_clip(samples / (np.abs(samples).max() + 1e-9) * 0.5, gain, clip)
    if rng.random() < 0.1:
        samples = samples + float(rng.uniform(-0.2, 0.2))
    return samples.astype(np.float32)


def speech_clip(engine: Espeak, rng: np.random.Generator, random_variants: int = 0,
                random_share: float = 0.0) -> tuple[np.ndarray, list[Phone]]:
    while True:
        text = english_text(rng) if rng.random() < 0.3 else pseudo_text(rng)
        try:
            utterance = engine.synthesize(text, _voice(rng, random_variants, random_share))
        except UserError:
            continue  # this language has no such variant
        if utterance.samples.size > 0.3 * utterance.sample_rate:
            break
    speed = float(rng.uniform(0.9, 1.1))
    samples = augment.to_rate(utterance.samples, utterance.sample_rate, speed)
    lead = int(rng.uniform(0.05, 0.5) * augment.RATE)
    tail = int(rng.uniform(0.05, 0.5) * augment.RATE)
    samples = np.concatenate([np.zeros(lead, np.float32), samples, np.zeros(tail, np.float32)])
    shift = lead / augment.RATE
    phones = [Phone(p.symbol, p.start_s / speed + shift, p.end_s / speed + shift) for p in utterance.phones]
    return samples, phones


def nonspeech_clip(rng: np.random.Generator) -> np.ndarray:
    n = int(rng.uniform(1.0, 4.0) * augment.RATE)
    kind = rng.random()
    if kind < 0.5:
        return augment.music(n, rng)
    if kind < 0.8:
        return augment.coloured_noise(n, rng, float(rng.choice([0, 1, 2]))) * 0.1
    return np.zeros(n, np.float32)


def generate(out: Path, minutes: float, seed: int, reverb_share: float = 0.35, phone_share: float = 0.2,
             random_variants_count: int = 0, random_share: float = 0.0) -> None:
    rng = np.random.default_rng(seed)
    variants_root = None
    if random_variants_count:
        # espeak-ng reads its data from ESPEAK_DATA_PATH when initialised without a path.
        variants_root = random_variants(random_variants_count, rng)
        os.environ["ESPEAK_DATA_PATH"] = str(variants_root)
    try:
        _generate(out, minutes, rng, reverb_share, phone_share, random_variants_count, random_share)
    finally:
        if variants_root is not None:
            shutil.rmtree(variants_root, ignore_errors=True)


def _generate(out: Path, minutes: float, rng: np.random.Generator, reverb_share: float, phone_share: float,
              random_variants_count: int, random_share: float) -> None:
    engine = Espeak()
    logmels, labels, curves, bounds = [], [], [], [0]
    seconds = 0.0
    started = time.time()
    while seconds < minutes * 60:
        if rng.random() < 0.09:
            samples, phones = nonspeech_clip(rng), []
        else:
            samples, phones = speech_clip(engine, rng, random_variants_count, random_share)
        samples = degrade(samples, rng, reverb_share, phone_share)
        features = extract_features([samples])
        if phones:
            label, curve = articulation_curves(phones, FRAME_RATE, features.frames)
        else:
            label = np.full(features.frames, SILENCE, np.int64)
            curve = np.zeros((features.frames, 4), np.float32)
        logmels.append(features.logmel.astype(np.float16))
        labels.append(label.astype(np.int8))
        curves.append(curve.astype(np.float16))
        bounds.append(bounds[-1] + features.frames)
        seconds += samples.size / augment.RATE
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, logmel=np.concatenate(logmels), labels=np.concatenate(labels),
             curves=np.concatenate(curves), bounds=np.asarray(bounds, np.int64))
    print(f"{len(bounds) - 1} clips, {seconds / 60:.1f} min of audio in {time.time() - started:.0f} s -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/emospeaker_speech/train.npz"))
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reverb-share", type=float, default=0.35, help="share of clips through a synthetic room")
    parser.add_argument("--phone-share", type=float, default=0.2, help="share of clips through a telephone band")
    parser.add_argument("--random-variants", type=int, default=0, help="invented espeak voice variants to write")
    parser.add_argument("--random-share", type=float, default=0.5, help="share of clips spoken by them")
    args = parser.parse_args()
    generate(args.out, args.minutes, args.seed, args.reverb_share, args.phone_share, args.random_variants,
             args.random_share)


if __name__ == "__main__":
    main()
