"""Help > Getting Started: the first steps from a photo and a voice to an exported video."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE_HTML = """
<h2>Getting started</h2>
<p>EmoSpeaker Studio turns one portrait photo and one voice recording into a talking portrait whose
lips follow the speech and whose emotion you set on the timeline. Everything runs on this computer.</p>

<h3>1. The portrait</h3>
<p><b>File ▸ Import Portrait</b> (or drop a photo on the window). Works best with one face looking at the
camera, eyes open, the face at least 180 px tall. The Studio says at once when the photo has no face,
closed eyes or a small face. With several faces, pick the one to animate under the preview.
<b>View ▸ Show Face Fit</b> (Ctrl+L) shows the fitted face; drag a red point to correct it.</p>

<h3>2. The voice</h3>
<p><b>File ▸ Import Audio</b>: WAV, MP3, FLAC, M4A, OGG… in any language, or a video file for its sound.
The waveform and the mouth shapes (visemes) appear on the timeline.</p>

<h3>3. Emotion keyframes</h3>
<ul>
<li><b>Double-click</b> the EMOTION lane to add a keyframe there (Ins adds one at the playhead), with the
emotion picked in the Inspector. Its height is the intensity.</li>
<li><b>Click</b> a diamond to select it; the Inspector then edits it (emotion, intensity, time, easing).
<b>Esc</b> deselects, and the Inspector's emotion is again the one for new keyframes.</li>
<li><b>Drag</b> diamonds to move them in time and intensity; Shift turns snapping off.</li>
<li>Between keyframes the emotion blends; <b>H</b> holds a keyframe's emotion until the next one.</li>
<li>Keyframes after the end of the voice are kept but drawn grey: nothing plays there.</li>
</ul>

<h3>4. Preview</h3>
<p><b>Space</b> plays and pauses; J, K, L shuttle; the arrow keys step frames; I and O set a loop.
The timecode reads minutes:seconds.hundredths. The \\ key compares with the original photo.</p>

<h3>5. Export</h3>
<p><b>File ▸ Export Video</b> (Ctrl+E): MP4, WebM, MOV (ProRes), a PNG sequence or a GIF, at the size and
frame rate you choose. The same render runs from a terminal:
<code>emospeaker-studio render --portrait face.jpg --audio voice.wav -o talk.mp4</code>.</p>

<p>All keyboard shortcuts: <b>Help ▸ Keyboard Shortcuts</b> (F1). To look around first, open the demo
project from the empty window.</p>
"""


class GettingStartedDialog(QDialog):
    """The guide, in a scrollable page."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Getting Started")
        self.resize(640, 680)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        self.page = QTextBrowser()
        self.page.setOpenExternalLinks(False)
        self.page.setHtml(GUIDE_HTML)
        layout.addWidget(self.page)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
