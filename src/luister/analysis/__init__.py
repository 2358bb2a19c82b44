"""Understanding mentions: language, sentiment and intent analysers, their training and evaluation.

Inference needs only NumPy and the weights in ``models/`` (trained by ``scripts/train_models.py`` from
``../shared/data`` and ``data/intent_examples.jsonl``); nothing is downloaded at run time.
"""
