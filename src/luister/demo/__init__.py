"""The demo: the Voltaro story generated and ingested through the real pipeline (``luister demo``)."""

from luister.demo.story import DemoResult, load_demo

__all__ = ["DemoResult", "load_demo"]
