"""Imported skeletons, for random OpenAPI documents: every skeleton is a valid spec whose
declared operations are exactly the document's, and generating from them gives the response
codes back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdd_openapi.document import DocOperation, Document
from sdd_openapi.generate import generate
from sdd_openapi.importer import plan, render
from sdd_openapi.operations import METHODS, declarations, path_key

from sdd_core import parse_spec

validator = pytest.importorskip("openapi_spec_validator")

words = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
prose = st.text(alphabet="abc XYZ:#*`>-_'\"{}|\n.é", max_size=30)
codes = st.sampled_from(["200", "201", "204", "400", "404", "409", "422", "500", "default"])


@st.composite
def documents(draw) -> Document:
    paths: dict = {}
    for _ in range(draw(st.integers(1, 6))):
        segs = draw(st.lists(st.one_of(words, words.map(lambda w: "{" + w + "}")),
                             min_size=1, max_size=4, unique=True))
        path = "/" + "/".join(segs)
        same = [p for p in paths if path_key(p) == path_key(path)]
        item = paths.setdefault(same[0] if same else path, {})  # one spelling per path
        for method in draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3,
                                    unique=True)):
            op: dict = {"responses": {c: {"description": draw(prose)}
                                      for c in draw(st.lists(codes, min_size=1, max_size=3,
                                                             unique=True))}}
            if draw(st.booleans()):
                op["tags"] = [draw(st.sampled_from(["Billing", "users", "a b"]))]
            if draw(st.booleans()):
                op["summary"] = draw(prose)
            if draw(st.booleans()):
                op["parameters"] = [{"name": draw(words), "in": "query",
                                     "required": draw(st.booleans())}]
            item[method] = op
    data = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    ops = [DocOperation(m, p, op) for p, item in paths.items() for m, op in item.items()]
    return Document("doc.yaml", "3.1.0", data, ops)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), by=st.sampled_from(["tag", "operation"]))
def test_skeletons_declare_exactly_the_documents_operations(doc, by) -> None:
    specs = []
    for sk in plan(doc, domain="api", by=by):
        text = render(doc, sk, created="2026-01-05", constitution_version="1.0.0")
        result = parse_spec(text, f".sdd/specs/{sk.spec_id}/spec.md", f"{sk.spec_id}/spec.md")
        assert result.spec is not None and result.problems == [], result.problems
        spec = result.spec
        assert spec.id == sk.spec_id
        assert spec.keywords and all(s.complete for s in spec.scenarios)
        assert len(spec.requirements) == len(spec.scenarios) == len(sk.operations)
        found = declarations(spec)
        assert found.malformed == []
        assert {o.key for o in found.operations} == {o.key for o in sk.operations}
        specs.append(spec)
    declared = [o.key for s in specs for o in declarations(s).operations]
    assert sorted(declared) == sorted(o.key for o in doc.operations)

    out = generate(specs, title="t", version="1").document
    validator.validate(out)
    for op in doc.operations:
        spelled = next(p for p in out["paths"] if path_key(p) == path_key(op.path))
        generated = out["paths"][spelled][op.method]
        wanted = {c for c in op.operation["responses"] if c != "default"} | {"default"}
        assert set(generated["responses"]) == wanted
