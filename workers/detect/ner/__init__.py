"""The encoder (ner) tier: a compact ONNX token classifier between the rules and the LLM.

onnxruntime and tokenizers are imported when a detector is built, not with this package.
"""

from workers.detect.ner.detector import NerDetector, build_ner_detector
from workers.detect.ner.labels import LabelMap, LabelScheme, NerModelError
from workers.detect.ner.settings import NerSettings

__all__ = ["LabelMap", "LabelScheme", "NerDetector", "NerModelError", "NerSettings", "build_ner_detector"]
