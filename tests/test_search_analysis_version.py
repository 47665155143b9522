"""``sdd_core.basics.ANALYSIS_VERSION`` moves with the search analysis.

Search indexes record it and index every spec again when it moved; the sqlite cache's
contentless tables depend on it outright (a row is deleted by giving FTS5 the text it
indexed, made again by today's code). This test digests what the analysis makes of a fixed
text collection and fails when that changes while the version did not: bump
``ANALYSIS_VERSION`` and record the new digest below.
"""

from __future__ import annotations

import hashlib

from sdd_core import basics
from sdd_core.search import cjk_bigrams, fold, plain_text, stem, tokenize

#: ``ANALYSIS_VERSION -> digest`` of :func:`_analysis` (one entry per version released).
DIGESTS = {
    1: "b48136a8ae77573ec78d1bab32110ee1619015bb065959ed7a48796627f97179",
}

_TEXTS = [
    "# Title\n- **bold** item\n  2. `code` and __under__ _score_\n> quoted *text*",
    "Payments, PAYMENT, paying, paid, payable; retries retried retrying.",
    "Café naïve ÉTÉ Straße İstanbul ǅemal ﬁle ẞ résumé façade",
    "결제가 완료되면 영수증을 보낸다. 日本語のテキスト. カタカナ",
    "generalizations oscillators relational conditional hopefulness electrical",
    "snake_case camelCase kebab-case v1.2.3 3.14 1,000 #tag @user a/b/c",
    "\tTabs\r\nand\x0bodd\x1cwhite\u00a0space\u2003here",
    "sky skies dying lying agreed feed happy happiness sensational",
]


def _analysis() -> str:
    h = hashlib.sha256()
    for text in _TEXTS:
        plain = plain_text(text)
        words = tokenize(plain)
        h.update(repr((plain, fold(text), words, [stem(w) for w in words],
                       [cjk_bigrams(w) for w in words])).encode())
    return h.hexdigest()


def test_the_analysis_version_names_what_the_analysis_makes() -> None:
    digest = _analysis()
    recorded = DIGESTS.get(basics.ANALYSIS_VERSION)
    assert recorded == digest, (
        f"the search analysis now makes something else of the same text (digest {digest}):"
        f" bump sdd_core.basics.ANALYSIS_VERSION to {max(DIGESTS) + 1} and record the"
        " digest in DIGESTS")
