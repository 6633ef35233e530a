"""data-juicer operators, registered on import: ``zh_spam_filter`` and ``zh_spam_clean_mapper``.

    process:
      - zh_spam_filter:          # keep samples whose spam ratio is at most max_spam_ratio
          max_spam_ratio: 0.5
      - zh_spam_clean_mapper: {} # replace each sample's text with its cleaned text

A recipe loads them with ``custom_operator_paths`` naming a file of one line,
``import classifier.adapters.data_juicer``. Naming this file itself fails: data-juicer imports a
file under its base name, here ``data_juicer``, which is taken.
"""

from __future__ import annotations

from data_juicer.ops.base_op import OPERATORS, Filter, Mapper
from data_juicer.utils.constant import Fields

from classifier import score_batch

SPAM_RATIO = "zh_spam_ratio"
SPAM_LABEL = "zh_spam_label"


@OPERATORS.register_module("zh_spam_filter")
class ZhSpamFilter(Filter):
    """Keep samples whose spam ratio is at most ``max_spam_ratio``; the stats record the ratio and
    the document label. ``model`` is a model path (None: the bundled model)."""

    _batched_op = True

    def __init__(self, max_spam_ratio: float = 0.5, model: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_spam_ratio = max_spam_ratio
        self.model = model

    def compute_stats_batched(self, samples):
        stats = samples[Fields.stats]
        todo = [i for i, stat in enumerate(stats) if SPAM_RATIO not in stat]
        results = score_batch([samples[self.text_key][i] for i in todo], self.model)
        for i, result in zip(todo, results, strict=True):
            stats[i][SPAM_RATIO] = result.spam_ratio
            stats[i][SPAM_LABEL] = result.label
        return samples

    def process_batched(self, samples):
        return [
            self.get_keep_boolean(stat[SPAM_RATIO], None, self.max_spam_ratio)
            for stat in samples[Fields.stats]
        ]


@OPERATORS.register_module("zh_spam_clean_mapper")
class ZhSpamCleanMapper(Mapper):
    """Replace each sample's text with its cleaned text (spam spans removed)."""

    _batched_op = True

    def __init__(self, model: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model

    def process_batched(self, samples):
        results = score_batch(samples[self.text_key], self.model)
        samples[self.text_key] = [result.clean_text for result in results]
        return samples
