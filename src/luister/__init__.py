"""luister: self-hosted social listening."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("luister")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

from luister.compiled import guard as _guard_compiled

_guard_compiled()  # before any matcher module is imported: never run a compiled module older than its source
