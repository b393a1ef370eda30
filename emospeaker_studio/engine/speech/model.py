"""The trained recognizer: a small dilated 1-D convolution network over log-mel frames.

Input: log-mel frames (100/s, 40 bands), normalised with the training set's
per-band mean and deviation. Output per frame: 15 viseme logits and 4
articulation values (sigmoid, 0..1). Width and dilations come from the
config beside the weights; the shipped network (96 channels, dilations
1-16) sees +-640 ms of context per output.
Weights live in ``models/speech_viseme.pt`` with a config JSON beside them;
``training/train_speech_model.py`` writes both, and the model card
``models/speech_viseme.md`` tells how.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.speech.features import N_MELS, Features
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.paths import models_dir

WEIGHTS_NAME = "speech_viseme.pt"
CONFIG_NAME = "speech_viseme.json"
N_VISEMES = 15
N_ARTICULATION = 4
CHUNK_FRAMES = 6000  # 60 s of frames per forward pass, so memory stays flat in audio length


@dataclass(frozen=True)
class NetConfig:
    channels: int = 64
    dilations: tuple[int, ...] = (1, 2, 4, 8)
    kernel: int = 5
    n_mels: int = N_MELS

    @property
    def context(self) -> int:
        """Frames of context on each side that one output depends on."""
        return 2 + sum((self.kernel - 1) // 2 * d for d in self.dilations)


class VisemeNet(nn.Module):
    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = [nn.Conv1d(config.n_mels, config.channels, 5, padding=2), nn.GELU()]
        for dilation in config.dilations:
            layers += [
                nn.Conv1d(config.channels, config.channels, config.kernel,
                          padding=(config.kernel - 1) // 2 * dilation, dilation=dilation),
                nn.BatchNorm1d(config.channels),
                nn.GELU(),
            ]
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv1d(config.channels, N_VISEMES + N_ARTICULATION, 1)

    def forward(self, logmel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """logmel (B, n_mels, T) normalised -> viseme logits (B, 15, T), articulation (B, 4, T) in 0..1."""
        out = self.head(self.body(logmel))
        return out[:, :N_VISEMES], torch.sigmoid(out[:, N_VISEMES:])


@dataclass(frozen=True)
class ShippedModel:
    net: VisemeNet
    mean: np.ndarray
    std: np.ndarray

    def normalise(self, logmel: np.ndarray) -> np.ndarray:
        return ((logmel - self.mean) / self.std).astype(np.float32)


def weights_path(folder: Path | None = None) -> Path:
    return (folder or models_dir()) / WEIGHTS_NAME


def model_available(folder: Path | None = None) -> bool:
    folder = folder or models_dir()
    return (folder / WEIGHTS_NAME).is_file() and (folder / CONFIG_NAME).is_file()


def save_model(net: VisemeNet, mean: np.ndarray, std: np.ndarray, folder: Path, extra: dict) -> None:
    from emospeaker_studio.core.files import atomic_write_bytes, atomic_write_text
    import io

    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in net.state_dict().items()}, buffer)
    atomic_write_bytes(folder / WEIGHTS_NAME, buffer.getvalue())
    config = {"net": asdict(net.config), "mean": [float(x) for x in mean], "std": [float(x) for x in std], **extra}
    atomic_write_text(folder / CONFIG_NAME, json.dumps(config, indent=1))


_CACHE: dict[Path, ShippedModel] = {}


def load_model(folder: Path | None = None) -> ShippedModel:
    folder = (folder or models_dir()).resolve()
    if folder in _CACHE:
        return _CACHE[folder]
    if not model_available(folder):
        raise UserError(f"the speech model is missing from {folder}; reinstall, or use --recognizer dsp")
    config = json.loads((folder / CONFIG_NAME).read_text())
    net_config = NetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in config["net"].items()})
    net = VisemeNet(net_config)
    net.load_state_dict(torch.load(folder / WEIGHTS_NAME, map_location="cpu", weights_only=True))
    net.eval()
    model = ShippedModel(net, np.asarray(config["mean"], np.float32), np.asarray(config["std"], np.float32))
    _CACHE[folder] = model
    return model


_ON_DEVICE: dict[tuple[int, str], VisemeNet] = {}


def _net_on(model: ShippedModel, device: torch.device) -> VisemeNet:
    """The model's network on ``device``; the CPU original stays untouched, copies are cached per device."""
    if device.type == "cpu":
        return model.net
    key = (id(model.net), str(device))
    if key not in _ON_DEVICE:
        import copy

        _ON_DEVICE[key] = copy.deepcopy(model.net).to(device).eval()
    return _ON_DEVICE[key]


def run_model(model: ShippedModel, features: Features, chunk: int = CHUNK_FRAMES, device=None) -> FrameEstimates:
    """Network outputs for every frame, in chunks with enough overlap that chunk edges change nothing.

    device: a torch device (or its name) to run on, the renderer's; default CPU.
    Always float32: the network is small, and half precision would move the
    closure decisions for no speed that matters next to the renderer.
    """
    device = torch.device(device or "cpu")
    net = _net_on(model, device)
    n = features.frames
    probs = np.zeros((n, N_VISEMES), np.float32)
    articulation = np.zeros((n, N_ARTICULATION), np.float32)
    context = net.config.context
    with torch.inference_mode():
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            lo, hi = max(0, start - context), min(n, stop + context)
            x = torch.from_numpy(model.normalise(features.logmel[lo:hi]).T[None].copy()).to(device)
            logits, art = net(x)
            keep = slice(start - lo, start - lo + (stop - start))
            probs[start:stop] = torch.softmax(logits[0, :, keep], dim=0).T.cpu().numpy()
            articulation[start:stop] = art[0, :, keep].T.cpu().numpy()
    speech = 1.0 - probs[:, 0]
    return FrameEstimates(probs, articulation, speech)
