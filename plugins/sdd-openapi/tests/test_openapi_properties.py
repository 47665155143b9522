"""Properties of the dense parts: structural path comparison, derived operationIds, and
generated documents that are valid OpenAPI 3.1 for any well-formed declarations."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdd_openapi.generate import generate
from sdd_openapi.operations import (
    METHODS,
    derive_operation_id,
    path_key,
    path_params,
    path_problem,
)

from sdd_core import parse_spec

validator = pytest.importorskip("openapi_spec_validator")

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True)
literals = st.from_regex(r"[a-z][a-z0-9-]{0,7}", fullmatch=True)
shapes = st.lists(st.booleans(), min_size=0, max_size=5)  # True: a {param} segment


def _template(shape: list[bool], lits: list[str], params: list[str]) -> str:
    return "/" + "/".join(f"{{{params[i]}}}" if is_param else lits[i]
                          for i, is_param in enumerate(shape))


@given(shape=shapes, data=st.data())
def test_same_shape_same_key_whatever_the_parameter_names(shape, data) -> None:
    n = len(shape)
    lits = data.draw(st.lists(literals, min_size=n, max_size=n))
    a = data.draw(st.lists(names, min_size=n, max_size=n, unique=True))
    b = data.draw(st.lists(names, min_size=n, max_size=n, unique=True))
    one, two = _template(shape, lits, a), _template(shape, lits, b)
    assert path_key(one) == path_key(two)
    assert path_problem(one) is None
    assert path_params(one) == [a[i] for i, p in enumerate(shape) if p]


@given(shape=st.lists(st.booleans(), min_size=1, max_size=5), data=st.data())
def test_a_literal_segment_in_place_of_a_parameter_is_another_path(shape, data) -> None:
    n = len(shape)
    lits = data.draw(st.lists(literals, min_size=n, max_size=n))
    params = data.draw(st.lists(names, min_size=n, max_size=n, unique=True))
    flipped = list(shape)
    flipped[0] = not flipped[0]
    assert path_key(_template(shape, lits, params)) != path_key(_template(flipped, lits, params))


@given(method=st.sampled_from(METHODS), shape=shapes, data=st.data())
def test_derived_operation_ids_are_identifiers(method, shape, data) -> None:
    n = len(shape)
    path = _template(shape, data.draw(st.lists(literals, min_size=n, max_size=n)),
                     data.draw(st.lists(names, min_size=n, max_size=n, unique=True)))
    op_id = derive_operation_id(method, path)
    assert re.fullmatch(r"[a-z][A-Za-z0-9]*", op_id)
    assert op_id.startswith(method)


def _spec(spec_id: str, ops: list[tuple[str, str]]) -> object:
    meta = {"id": spec_id, "title": f"T {spec_id}", "status": "draft",
            "api": [{"method": m.upper(), "path": p} for m, p in ops]}
    text = ("---\n" + yaml.safe_dump(meta) + "---\n\n# T\n\n## Requirements\n\n"
            "### REQ-01: R\n\n- The API MUST respond 404 when nothing is there.\n")
    result = parse_spec(text, f".sdd/specs/{spec_id}.md", f"{spec_id}.md")
    assert result.spec is not None
    return result.spec


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), count=st.integers(1, 4))
def test_generated_documents_validate(data, count) -> None:
    specs = []
    for i in range(count):
        ops = []
        for _ in range(data.draw(st.integers(1, 4))):
            shape = data.draw(shapes)
            n = len(shape)
            path = _template(shape, data.draw(st.lists(literals, min_size=n, max_size=n)),
                             data.draw(st.lists(names, min_size=n, max_size=n, unique=True)))
            ops.append((data.draw(st.sampled_from(METHODS)), path))
        specs.append(_spec(f"d{i % 2}/s{i}", ops))
    result = generate(specs, title="t", version="1")
    validator.validate(result.document)
    declared = {(m, path_key(p)) for s in specs for m, p in
                ((e["method"].lower(), e["path"]) for e in s.meta["api"])}
    got = {(m, path_key(p)) for p, item in result.document["paths"].items() for m in item}
    assert got == declared


def test_the_module_top_level_stays_light() -> None:
    code = ("import sys, sdd_openapi; "
            "heavy = {'yaml', 'sdd_openapi.generate', 'sdd_openapi.importer'} & set(sys.modules);"
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
