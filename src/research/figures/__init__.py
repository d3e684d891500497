"""Figures: drawing code and the project's figure conventions (`style`: palette, events layer, source line).

One module per topic (`trends`, ...). Functions take model outputs (frames) and return matplotlib figures;
this package never imports `research.data`.
"""
