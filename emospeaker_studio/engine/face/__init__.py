"""Face fit: portrait loading, the MediaPipe face mesh, the photo's expression and the face rig."""
