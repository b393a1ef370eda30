"""Face fit, speech analysis, animation, renderer, export. numpy/torch/OpenCV; never Qt."""
