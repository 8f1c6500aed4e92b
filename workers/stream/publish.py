"""One batch's records through the pipeline and out to the topics, a chunk at a time.

A chunk is decoded, detected in one pipeline call and its outputs handed to the checkpoint before
the next chunk is detected, so the producer sends the first outputs of a batch while the rest is
still being scanned: a record waits for its chunk, not for the whole batch. The input offsets are
still committed once, after every output of the batch is acknowledged (workers.stream.checkpoint):
a failure anywhere in the batch leaves them where they were and the whole batch is read again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workers.models import Document, Failure, Result
from workers.stream.checkpoint import Checkpoint
from workers.stream.clients import key_hash
from workers.stream.config import StreamSettings
from workers.stream.envelope import Envelope, document, seal, split
from workers.stream.guard import fail_closed, run_isolated
from workers.stream.ingest import Decoded, Inbound, decode, record_spec
from workers.stream.interfaces import PipelineLike
from workers.stream.output import annotations_value, dead_letter_headers, redact, redacted_value


@dataclass
class Tally:
    """What a batch published, counted into the metrics once its checkpoint commits."""

    published: int = 0
    degraded: int = 0
    dead: list[Failure] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    pipeline_s: float = 0.0  # wall time inside Pipeline.run, all chunks


@dataclass(slots=True)
class _Detected:
    """A chunk after detection: per record its decoded form (or ingest failure), its pipeline
    outcome (None where decoding failed) and its envelope document."""

    records: list[Inbound]
    decoded: list[Decoded | Failure]
    outcomes: list[Result | Failure | None]
    envelopes: list[tuple[Document, Envelope] | None]


class Publisher:
    """Detects and publishes the records of one batch; built per batch (the output topics'
    partitions are read once per batch)."""

    def __init__(
        self,
        settings: StreamSettings,
        pipeline: PipelineLike,
        producer: object,
        *,
        hash_key: bytes,
        include_values: bool,
        taxonomy_version: str | None,
    ):
        self.s = settings
        self.pipeline = pipeline
        self.hash_key = hash_key
        self.include_values = include_values
        self.taxonomy_version = taxonomy_version
        self.spec = record_spec(settings)
        out, ann = settings.output_topic, settings.annotations_topic
        # Both outputs of an input carry its key: hash it once and name the partitions the
        # default partitioner would choose, instead of the client partitioning each send.
        self.out_parts = sorted(producer.partitions_for(out))  # type: ignore[attr-defined]
        self.ann_parts = self.out_parts if ann == out else sorted(producer.partitions_for(ann))  # type: ignore[attr-defined]

    def detect(self, records: list[Inbound], tally: Tally) -> _Detected:
        """Decode the chunk and run the pipeline once on its documents (never raises: a bad
        record or a failing pipeline becomes that record's Failure)."""
        policy = self.s.key_header_policy
        decoded = [decode(r, self.s, self.spec) for r in records]
        docs: list[Document] = []
        owners: list[int] = []
        # Per record: its document and where its key and header values sit in it (same run).
        envelopes: list[tuple[Document, Envelope] | None] = [None] * len(records)
        for i, d in enumerate(decoded):
            if isinstance(d, Decoded):  # one document per record: all its strings in one view
                envelopes[i] = env = document(d, policy)
                docs.append(env[0])
                owners.append(i)
        t0 = time.monotonic()
        results = run_isolated(self.pipeline, docs)
        tally.pipeline_s += time.monotonic() - t0
        outcomes: list[Result | Failure | None] = [None] * len(records)
        names = self.pipeline.detector_names
        for owner, outcome in zip(owners, results, strict=True):
            outcomes[owner] = fail_closed(names, outcome)
        return _Detected(records, decoded, outcomes, envelopes)

    def send(self, cp: Checkpoint, chunk: _Detected, tally: Tally) -> None:
        """Hand every output of the chunk to the checkpoint: redacted + annotations per record,
        or one dead letter. Raises what Checkpoint.send raises (the batch is then re-read)."""
        s = self.s
        policy = s.key_header_policy
        redactor = self.pipeline.redactor
        names = self.pipeline.detector_names
        out_topic, ann_topic = s.output_topic, s.annotations_topic
        out_parts, ann_parts = self.out_parts, self.ann_parts
        n_out, n_ann = len(out_parts), len(ann_parts)
        entity_counts = tally.entities
        for rec, dec, out, envd in zip(chunk.records, chunk.decoded, chunk.outcomes, chunk.envelopes, strict=True):
            failure: Failure | None = dec if isinstance(dec, Failure) else out if isinstance(out, Failure) else None
            if failure is None:
                assert isinstance(dec, Decoded) and isinstance(out, Result) and envd is not None
                doc, env = envd
                try:
                    own, tail = split(out, env)
                    sealed = seal(rec, env, tail, policy, redactor, self.hash_key, doc.text, self.include_values)
                    fields = redact(dec, own, redactor)
                    red = redacted_value(dec, fields, own, self.taxonomy_version, names)
                    ann = annotations_value(
                        dec, fields, self.taxonomy_version, self.hash_key, self.include_values, sealed.entities
                    )
                except Exception as e:  # noqa: BLE001 - an encoding error is this record's problem
                    failure = Failure(id=dec.doc_id, stage="publish", error_class=type(e).__name__, message=str(e))
            if failure is not None:
                cp.send(s.dlq_topic, rec.value or b"", rec.key, dead_letter_headers(rec, failure), kind="dead_letter")
                tally.dead.append(failure)
                continue
            assert isinstance(out, Result)
            if rec.key is None:
                p_out = p_ann = None
            else:  # the ORIGINAL key's partition: per-key order holds whatever key is published
                h = key_hash(rec.key)
                p_out, p_ann = out_parts[h % n_out], ann_parts[h % n_ann]
            cp.send(out_topic, red, sealed.key, sealed.headers, kind="redacted", partition=p_out)
            cp.send(ann_topic, ann, sealed.key, sealed.headers, kind="annotations", partition=p_ann)
            tally.published += 1
            tally.degraded += out.degraded
            for sp in out.entities:
                entity_counts[sp.type] = entity_counts.get(sp.type, 0) + 1


__all__ = ["Publisher", "Tally"]
