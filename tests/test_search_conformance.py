"""The search conformance suite, run against the built-in reference backend ``scan``."""

from __future__ import annotations

from sdd_core.testing import SearchBackendConformance


class TestScanConforms(SearchBackendConformance):
    backend = "scan"
    max_examples = 40
