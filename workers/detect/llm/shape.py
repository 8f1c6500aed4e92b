"""The shape checks moved to workers/detect/shape.py (the ner detector uses them too)."""

from workers.detect.shape import PARTICLES, ShapeCheck, capitalised, uses_capitals

__all__ = ["PARTICLES", "ShapeCheck", "capitalised", "uses_capitals"]
