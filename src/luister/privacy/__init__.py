"""Privacy: what luister holds about one person (find, export, erase) and how long it keeps anything.

The public face: :class:`Subject` (who a request is about), :func:`find` and :func:`archive` (an access
request), :func:`erase` (an erasure request), :class:`RetentionPolicy` and :func:`enforce_retention`
(the scheduled job), :func:`record_of_processing` (docs/privacy.md). See docs/privacy.md.
"""

from luister.privacy.actions import Erasure, RetentionReport, enforce_retention, erase
from luister.privacy.read import Findings, archive, find
from luister.privacy.record import record_of_processing
from luister.privacy.retention import RetentionPolicy
from luister.privacy.subjects import Subject, SubjectError

__all__ = [
    "Erasure",
    "Findings",
    "RetentionPolicy",
    "RetentionReport",
    "Subject",
    "SubjectError",
    "archive",
    "enforce_retention",
    "erase",
    "find",
    "record_of_processing",
]
