"""`pii-worker distill`: teach a compact encoder a user's own taxonomy.

Phases (each a module; the work folder makes them resumable, see workdir.py):
teach (silver labels from gold spans or the rules + LLM cascade) -> train (BIO token
classification on the MiniLM-L6 base, torch on CPU or Ray Train) -> export (ONNX, int8 dynamic
quantisation, into the model cache in the `ner` detector's format) -> evaluate (student vs
teacher on a held-out split). Heavy imports (torch, transformers, onnxruntime) stay inside the
functions that need them.
"""
