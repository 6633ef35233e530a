"""A datatrove filter: drop documents over a spam ratio, or clean them in place.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    pipeline = [JsonlReader("in/"), SpamFilter(max_spam_ratio=0.5), JsonlWriter("out/")]
    LocalPipelineExecutor(pipeline, tasks=4, logging_dir="logs/").run()
"""

from __future__ import annotations

from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from classifier import Config, score_batch
from classifier.results import DocumentResult

MODES = ("filter", "clean")


class SpamFilter(BaseFilter):
    """Score documents in batches; every document gets ``spam_ratio`` and ``spam_label`` metadata.

    mode ``filter`` keeps a document when its spam ratio is at most ``max_spam_ratio`` and drops
    the others with their label as reason (stats ``dropped_spam``, ``dropped_injected``);
    mode ``clean`` keeps every document and replaces its text with the cleaned text.
    ``model`` is a model path (None: the bundled model).
    """

    name = "🀄 zh spam filter"

    def __init__(
        self,
        max_spam_ratio: float = 0.5,
        mode: str = "filter",
        model: str | Path | None = None,
        config: Config | None = None,
        batch_size: int = 64,
        exclusion_writer: DiskWriter | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        super().__init__(exclusion_writer, batch_size)
        self.max_spam_ratio = max_spam_ratio
        self.mode = mode
        self.model = model
        self.config = config

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        results = score_batch([doc.text for doc in batch], self.model, self.config)
        return [self._decide(doc, result) for doc, result in zip(batch, results, strict=True)]

    def _decide(self, doc: Document, result: DocumentResult) -> bool | tuple[bool, str]:
        doc.metadata["spam_ratio"] = round(result.spam_ratio, 4)
        doc.metadata["spam_label"] = result.label
        if self.mode == "clean":
            if result.clean_text != doc.text:
                self.stat_update(f"cleaned_{result.label}")
                doc.text = result.clean_text
            return True
        if result.spam_ratio <= self.max_spam_ratio:
            return True
        return False, result.label
