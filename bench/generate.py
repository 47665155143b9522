"""Generate a large, realistic SDD project for benchmarks.

Usage::

    python bench/generate.py OUT_DIR --specs 10000 [--seed 1] [--edges-per-spec 2] [--force]

Writes ``OUT_DIR/.sdd/constitution.md``, ``OUT_DIR/.sdd/config.yml`` and one spec per feature in
the nested layout ``OUT_DIR/.sdd/specs/<domain>/<feature>/spec.md``. Every spec is valid: an H1,
RFC 2119 requirement lines, complete GIVEN/WHEN/THEN scenarios, a ``created`` date and a
``constitution_version`` with the constitution's major version. Explicit dependencies and body
references (relative links, backticked ids) only point at specs generated earlier, so the
dependency graph is acyclic.

The output depends only on the arguments: the same ``--seed`` gives byte-identical files.
Standard library only, so it runs without the project installed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

__all__ = ["generate", "CONSTITUTION_VERSION", "DOMAINS"]

CONSTITUTION_VERSION = "1.3.0"
# Most specs are written against the current constitution; a few lag a minor version behind,
# as happens in real projects (same major version, so no validation errors).
_SPEC_CONSTITUTION_VERSIONS = ["1.3.0"] * 17 + ["1.2.0", "1.1.0", "1.0.0"]

_STATUSES = ["draft", "review", "approved", "implemented", "deprecated"]
_STATUS_WEIGHTS = [24, 14, 26, 31, 5]

_EPOCH = date(2023, 1, 2)
_DATE_SPAN_DAYS = 900

# domain -> (feature nouns, subject-specific terms used in prose, tags)
DOMAINS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "auth": (
        ["login", "password reset", "MFA enrolment", "OAuth consent", "API key", "lockout",
         "SSO bridge", "device trust", "magic link", "token refresh", "passkey", "sign-up"],
        ["password hash", "TOTP code", "refresh token", "OAuth client", "identity provider",
         "SAML assertion", "WebAuthn credential", "brute-force counter"],
        ["auth", "security", "identity", "mfa", "oauth", "sso"],
    ),
    "sessions": (
        ["session store", "idle timeout", "device list", "session revocation", "cookie policy",
         "impersonation", "remember me", "concurrent sessions", "session audit", "step-up"],
        ["session token", "sliding expiry", "HttpOnly cookie", "device fingerprint",
         "revocation list", "session record"],
        ["sessions", "security", "cookies"],
    ),
    "billing": (
        ["subscription plan", "proration", "usage metering", "trial period", "dunning",
         "price book", "billing cycle", "seat count", "coupon", "upgrade path", "tax rate"],
        ["billing cycle", "usage record", "plan change", "proration credit", "tax jurisdiction",
         "metered unit", "grace period"],
        ["billing", "subscriptions", "pricing", "tax"],
    ),
    "payments": (
        ["card checkout", "payment intent", "refund", "chargeback", "payout", "3-D Secure",
         "wallet payment", "bank transfer", "payment retry", "ledger posting", "split payment"],
        ["payment provider", "card token", "webhook signature", "idempotency key",
         "settlement batch", "dispute", "authorisation hold", "ledger entry"],
        ["payments", "cards", "refunds", "pci"],
    ),
    "invoices": (
        ["invoice numbering", "credit note", "invoice PDF", "invoice email", "line items",
         "due date", "overdue reminder", "invoice void", "partial payment", "invoice template"],
        ["invoice number", "credit note", "invoice line", "due date", "legal entity",
         "currency code", "payment terms"],
        ["invoices", "billing", "accounting", "pdf"],
    ),
    "notifications": (
        ["email delivery", "push notification", "SMS alert", "digest", "notification preferences",
         "webhook delivery", "in-app inbox", "quiet hours", "template rendering",
         "bounce handling"],
        ["delivery queue", "message template", "bounce", "unsubscribe link", "push token",
         "notification channel", "retry schedule"],
        ["notifications", "email", "sms", "push"],
    ),
    "exports": (
        ["CSV export", "XLSX export", "scheduled export", "data portability", "bulk download",
         "export audit", "export filters", "large export", "export API", "column mapping"],
        ["export job", "CSV file", "download link", "column set", "date range", "row limit",
         "signed URL"],
        ["export", "csv", "xlsx", "reports"],
    ),
    "search": (
        ["full-text search", "faceted filters", "saved search", "search suggestions", "reindex",
         "synonyms", "search ranking", "typo tolerance", "search analytics", "result highlighting"],
        ["search index", "query parser", "facet", "relevance score", "stemming", "tokenizer",
         "index shard"],
        ["search", "indexing", "relevance"],
    ),
    "reporting": (
        ["revenue report", "cohort report", "dashboard widgets", "report scheduling",
         "KPI summary", "churn report", "report sharing", "drill-down", "report caching"],
        ["report definition", "aggregation window", "dimension", "metric", "snapshot",
         "chart series", "time bucket"],
        ["reporting", "analytics", "dashboards"],
    ),
    "accounts": (
        ["organisation profile", "team invites", "role assignment", "account deletion",
         "workspace settings", "ownership transfer", "account merge", "email change",
         "account suspension", "member directory"],
        ["organisation", "workspace", "invitation", "role", "member", "owner", "account status"],
        ["accounts", "teams", "rbac"],
    ),
    "orders": (
        ["order placement", "order cancellation", "cart", "order history", "order status",
         "backorder", "order amendment", "checkout summary", "order confirmation", "returns"],
        ["order line", "cart item", "order state", "fulfilment request", "return label",
         "stock reservation"],
        ["orders", "checkout", "commerce"],
    ),
    "inventory": (
        ["stock levels", "stock reservation", "reorder point", "warehouse transfer",
         "stock count", "batch tracking", "low-stock alert", "inventory sync", "write-off"],
        ["stock keeping unit", "warehouse", "bin location", "stock movement", "lot number",
         "safety stock"],
        ["inventory", "warehouse", "stock"],
    ),
    "shipping": (
        ["shipping rates", "label printing", "carrier tracking", "delivery windows",
         "address validation", "customs forms", "split shipment", "pickup points", "returns"],
        ["carrier", "tracking number", "parcel", "shipping label", "delivery address",
         "customs declaration"],
        ["shipping", "logistics", "carriers"],
    ),
    "catalog": (
        ["product listing", "variants", "price lists", "product import", "category tree",
         "product media", "bundles", "availability", "product reviews", "localised content"],
        ["product", "variant", "category", "price list", "media asset", "attribute set"],
        ["catalog", "products", "pricing"],
    ),
    "analytics": (
        ["event tracking", "funnel analysis", "retention metrics", "A/B tests", "attribution",
         "session replay", "consent mode", "event schema", "sampling", "data retention"],
        ["tracking event", "funnel step", "experiment", "cohort", "consent flag",
         "event payload"],
        ["analytics", "tracking", "experiments", "privacy"],
    ),
    "audit": (
        ["audit trail", "audit search", "retention policy", "tamper evidence", "audit export",
         "admin activity", "access review", "legal hold", "evidence packages"],
        ["audit event", "actor", "hash chain", "retention period", "legal hold",
         "evidence bundle"],
        ["audit", "compliance", "security"],
    ),
    "admin": (
        ["feature flags", "maintenance mode", "support console", "tenant settings",
         "rate limit overrides", "user lookup", "bulk actions", "system health", "config history"],
        ["feature flag", "tenant", "support agent", "override", "maintenance window",
         "config change"],
        ["admin", "operations", "support"],
    ),
    "integrations": (
        ["webhook subscriptions", "accounting sync", "CRM sync", "Slack app", "Zapier triggers",
         "OAuth apps", "API rate limits", "integration logs", "field mapping", "sync conflicts"],
        ["webhook endpoint", "sync cursor", "external id", "rate limit", "API client",
         "integration credential"],
        ["integrations", "webhooks", "api", "sync"],
    ),
    "messaging": (
        ["direct messages", "threads", "mentions", "attachments", "read receipts",
         "message search", "moderation", "message retention", "typing indicators", "reactions"],
        ["message", "thread", "channel", "attachment", "mention", "moderation queue"],
        ["messaging", "chat", "collaboration"],
    ),
    "storage": (
        ["file upload", "virus scanning", "storage quotas", "file versioning", "signed URLs",
         "image thumbnails", "file sharing", "cold storage", "file deletion", "resumable upload"],
        ["object key", "storage bucket", "file version", "quota", "checksum", "thumbnail"],
        ["storage", "files", "uploads"],
    ),
}

_QUALIFIERS = [
    "", "bulk", "scheduled", "self-service", "admin", "automatic", "multi-currency", "regional",
    "audited", "real-time", "offline", "delegated", "tenant-level", "mobile", "API", "batch",
    "legacy", "incremental", "enterprise", "guest", "async", "cross-border", "secure", "public",
]
_AUTHORS = [
    "alice", "bruno", "chen", "dlee", "emma", "farid", "grace", "hiro", "ines", "jpark", "kofi",
    "lena", "mkim", "nadia", "omar", "priya", "quentin", "rosa", "sofia", "tariq", "uma",
    "viktor", "wen", "ximena", "yusuf", "zoe",
]
_ROLES = ["customer", "administrator", "finance user", "support agent", "account owner",
          "guest", "auditor", "team member", "API client", "operator"]
_SUBJECTS = ["The system", "The API", "The service", "The worker", "The gateway",
             "The scheduler", "The web app", "The backend", "The job runner", "The module"]
_KEYWORDS = ["SHALL", "SHALL", "MUST", "MUST", "SHOULD", "SHOULD", "MAY", "MUST NOT",
             "SHALL NOT", "SHOULD NOT"]
_KEYWORD_ORDER = ["MUST NOT", "SHALL NOT", "SHOULD NOT", "MUST", "SHALL", "SHOULD", "MAY"]
_REQ_ASPECTS = ["handling", "rules", "limits", "validation", "lifecycle", "visibility",
                "retention", "errors"]
_REQ_TEMPLATES = [
    "{subj} {kw} validate every {term} before it is stored",
    "{subj} {kw} record an audit event whenever a {term} changes",
    "{subj} {kw} answer requests for {obj} within {ms} ms at the 95th percentile",
    "{subj} {kw} encrypt each {term} at rest",
    "{subj} {kw} retry failed {obj} operations with exponential backoff for up to {hours} hours",
    "{subj} {kw} expose {obj} through the REST API with cursor pagination",
    "{subj} {kw} keep {obj} history for {days} days",
    "{subj} {kw} notify the {role} when a {term} is rejected",
    "{subj} {kw} reject more than {n} {obj} requests per minute from one client",
    "{subj} {kw} let the {role} undo a {term} change within {minutes} minutes",
    "{subj} {kw} write {obj} changes in a single database transaction",
    "{subj} {kw} show the {role} a clear error when the {term} is invalid",
    "{subj} {kw} publish a {event} event after each {obj} update",
    "{subj} {kw} restrict {obj} to members with the {role} role",
    "{subj} {kw} process {obj} updates idempotently using the {term}",
    "{subj} {kw} export {obj} in CSV and JSON formats",
    "{subj} {kw} index each {term} for full-text search",
    "{subj} {kw} log {obj} failures with the request id",
    "{subj} {kw} cache {obj} lookups for {minutes} minutes",
    "{subj} {kw} lock the {term} while a {obj} update is running",
    "{subj} {kw} deliver {obj} notifications through the shared delivery queue",
    "{subj} {kw} apply the rate limit of {n} calls per minute to {obj} endpoints",
    "{subj} {kw} store amounts for {obj} as integer minor units with a currency code",
    "{subj} {kw} mask personal data in {obj} logs",
]
_EVENTS = ["created", "updated", "deleted", "synced", "expired", "approved", "failed"]
_GIVEN = [
    "a {role} with {n} existing {obj} records",
    "a {term} that was created {days} days ago",
    "an organisation on the enterprise plan",
    "a {role} signed in on two devices",
    "the {term} service is unavailable",
    "{n} pending {obj} jobs in the queue",
    "a {role} without permission for {obj}",
    "an expired {term}",
]
_WHEN = [
    "the {role} submits the {obj} form",
    "the scheduler runs the nightly {obj} job",
    "a client calls the {obj} endpoint {n} times within one minute",
    "the {role} requests an export of {obj}",
    "the {role} changes the {term}",
    "a webhook for the {term} arrives twice",
    "the {role} opens the {obj} page",
]
_THEN = [
    "the API answers {code}",
    "the {term} is saved and a confirmation is shown",
    "the {role} receives a notification within {minutes} minutes",
    "the request is rejected with a validation message",
    "exactly one {obj} record is created",
    "the {obj} list shows the new entry first",
    "no {term} is changed",
]
_AND = [
    "an audit event is written",
    "a {event} event is published",
    "the response includes the request id",
    "the {role} sees the updated {obj} count",
    "the failure is logged with the {term}",
]
_SCENARIO_KINDS = ["successful", "rejected", "duplicate", "expired", "concurrent", "bulk",
                   "unauthorised", "retried"]
_CODES = ["200", "201", "202", "400", "403", "404", "409", "422", "429"]
_OVERVIEW = [
    "This feature covers {obj} in the {domain} domain. It is used by the {role} and by other "
    "services through the internal API.",
    "Today the {role} handles {obj} by hand, which is slow and error-prone. This spec describes "
    "how the {domain} service takes over, including the {term} and its failure modes.",
    "The goal is to make {obj} predictable: every change to a {term} is validated, recorded and "
    "visible to the {role}.",
    "{title} sits between the web app and the {domain} store. Reads are cached; writes go through "
    "a single code path so that audit and notifications stay consistent.",
]
_CONSTRAINTS = [
    "PostgreSQL 15 is the system of record; no new datastore without a change proposal",
    "Responses are JSON over HTTPS; field names use snake_case",
    "Personal data stays in the EU region",
    "The feature ships behind a flag until the {role} pilot ends",
    "Background work runs on the shared job runner with at most {n} workers",
    "Timestamps are stored in UTC with millisecond precision",
    "Amounts are integer minor units; floating point is never used for money",
    "Batch sizes are capped at {n} items per call",
]
_NONFUNCTIONAL = [
    "Reads of {obj} SHOULD complete within {ms} ms at the 95th percentile (SHOULD)",
    "The {term} store MUST survive the loss of one availability zone (MUST)",
    "Error rates for {obj} SHOULD stay below 0.1% over any hour (SHOULD)",
    "Logs MUST NOT contain the raw {term} (MUST NOT)",
    "The {obj} endpoints MAY be served from a read replica (MAY)",
]
_NOTES = [
    "Open question: should the {role} be able to bulk-edit {obj}?",
    "The {term} format follows the conventions already used by the {domain} domain.",
    "Load tests with {n} concurrent clients are planned before the status moves to approved.",
    "Support asked for a runbook entry describing how to recover a stuck {obj} job.",
    "Metrics for {obj} are exported to the shared dashboard under the {domain} folder.",
]


def _slug(text: str) -> str:
    out = []
    prev_dash = True
    for ch in text.lower():
        if ch.isalnum():
            out.append(ch)
            prev_dash = False
        elif not prev_dash:
            out.append("-")
            prev_dash = True
    return "".join(out).strip("-")


def _title(text: str) -> str:
    words = text.split()
    return " ".join(w if any(c.isupper() for c in w) else w[:1].upper() + w[1:] for w in words)


class _Spec:
    __slots__ = ("id", "domain", "feature")

    def __init__(self, spec_id: str, domain: str, feature: str) -> None:
        self.id = spec_id
        self.domain = domain
        self.feature = feature


def _link(src: _Spec, dst: _Spec) -> str:
    """Relative link from one spec.md to another in the nested layout."""
    if src.domain == dst.domain:
        return f"../{dst.feature}/spec.md"
    return f"../../{dst.domain}/{dst.feature}/spec.md"


def _constitution() -> str:
    return f"""---
version: {CONSTITUTION_VERSION}
created: 2023-01-02
---

# Constitution: Benchmark Commerce Platform

> Principles every spec in this project is written against.

## Core principles

### 1. Spec first
No behaviour is implemented before its spec is approved.

### 2. Clarity
Requirements use RFC 2119 keywords and state one thing each.

### 3. Verifiability
Every requirement is covered by at least one GIVEN-WHEN-THEN scenario.

## Forbidden
- Storing card numbers or passwords in plain text
- Adding runtime dependencies without a change proposal

## Tech stack
- Python 3.12, PostgreSQL 15, Redis 7

## Quality standards
- 80% line coverage on changed code
- p95 latency under 300 ms for read endpoints
"""


_ARTICLE = re.compile(r"\b([Aa]) (?=[aeioAEIO]|API\b)")


class _Slots(dict):
    """Template values drawn from the generator only when a template asks for them."""

    def __init__(self, rng: random.Random, ctx: dict) -> None:
        super().__init__(ctx)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "kw":
            return rng.choice(_KEYWORDS)
        if key == "subj":
            return rng.choice(_SUBJECTS)
        if key == "role":
            return rng.choice(_ROLES)
        if key == "term":
            return rng.choice(self["_terms"])
        if key == "event":
            return f"{self['domain']}.{self['obj_slug']}.{rng.choice(_EVENTS)}"
        if key == "code":
            return rng.choice(_CODES)
        return str(rng.choice(_NUMBERS[key]))


_NUMBERS = {
    "n": [3, 5, 10, 20, 50, 100, 250, 1000],
    "ms": [100, 200, 300, 500, 800],
    "hours": [1, 6, 12, 24, 72],
    "days": [7, 30, 90, 365, 2555],
    "minutes": [1, 5, 10, 15, 30, 60],
}


def _fill(template: str, rng: random.Random, ctx: dict) -> str:
    return _ARTICLE.sub(r"\1n ", template.format_map(_Slots(rng, ctx)))


def _render(
    spec: _Spec,
    title: str,
    obj: str,
    rng: random.Random,
    deps: list[_Spec],
    earlier: list[_Spec],
    n_reqs: int,
    n_scen: int,
) -> tuple[str, str]:
    """Return (front matter without the fences, body) for one spec."""
    _, terms, tags_pool = DOMAINS[spec.domain]
    ctx = {"domain": spec.domain, "obj": obj, "obj_slug": _slug(obj).replace("-", "_"),
           "title": title, "_terms": terms}

    created = _EPOCH + timedelta(days=rng.randrange(_DATE_SPAN_DAYS))
    updated = created + timedelta(days=rng.randrange(0, 240))
    status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
    author = rng.choice(_AUTHORS)
    reviewers = rng.sample([a for a in _AUTHORS if a != author], rng.randint(1, 3))
    tags = rng.sample(tags_pool, min(len(tags_pool), rng.randint(2, 4)))

    fm = [
        f"id: {spec.id}",
        f'title: "{title}"',
        f"status: {status}",
        f"phase: {rng.randint(1, 5)}",
        f"created: {created.isoformat()}",
        f"updated: {updated.isoformat()}",
        f"domain: {spec.domain}",
        f"author: {author}",
        "reviewers:",
        *(f'  - "@{r}"' for r in reviewers),
        "tags:",
        *(f"  - {t}" for t in tags),
    ]
    if deps:
        fm.append("depends:")
        fm.extend(f"  - {d.id}" for d in deps)
    else:
        fm.append("depends: []")
    fm.append(f"constitution_version: {rng.choice(_SPEC_CONSTITUTION_VERSIONS)}")

    summary = _fill(rng.choice(_OVERVIEW), rng, ctx).split(". ")[0].rstrip(".")
    out: list[str] = [f"# {title}", "", f"> {summary}.", ""]
    out += ["## Overview", ""]
    out += [_fill(t, rng, ctx) for t in rng.sample(_OVERVIEW, rng.randint(1, 2))]
    # Occasional body references to earlier specs: a relative link or a backticked id.
    if earlier and rng.random() < 0.3:
        other = rng.choice(earlier)
        out.append(f"It reuses the behaviour described in [{other.feature.replace('-', ' ')}]"
                   f"({_link(spec, other)}).")
    if earlier and rng.random() < 0.3:
        other = rng.choice(earlier)
        out.append(f"Changes here must stay compatible with `{other.id}`.")
    if deps:
        out.append("Depends on " + ", ".join(f"`{d.id}`" for d in deps[:2]) + ".")
    out.append("")

    out += ["## Requirements", ""]
    for i in range(1, n_reqs + 1):
        name = _title(f"{rng.choice(terms)} {rng.choice(_REQ_ASPECTS)}")
        out.append(f"### REQ-{i:02d}: {name}")
        for _ in range(rng.randint(2, 4)):
            line = _fill(rng.choice(_REQ_TEMPLATES), rng, ctx)
            kw = next(k for k in _KEYWORD_ORDER if f" {k} " in line)
            out.append(f"- {line} ({kw})" if rng.random() < 0.6 else f"- {line}.")
        out.append("")

    out += ["## Scenarios", ""]
    kinds = rng.sample(_SCENARIO_KINDS, n_scen)
    for i, kind in enumerate(kinds, 1):
        out.append(f"### Scenario {i}: {_title(kind)} {obj}")
        out.append(f"- **GIVEN** {_fill(rng.choice(_GIVEN), rng, ctx)}")
        out.append(f"- **WHEN** {_fill(rng.choice(_WHEN), rng, ctx)}")
        out.append(f"- **THEN** {_fill(rng.choice(_THEN), rng, ctx)}")
        for tpl in rng.sample(_AND, rng.randint(0, 2)):
            out.append(f"- **AND** {_fill(tpl, rng, ctx)}")
        out.append("")

    if rng.random() < 0.4:
        out += ["## Non-functional", ""]
        out.append(f"- {_fill(rng.choice(_NONFUNCTIONAL), rng, ctx)}")
        out.append(f"- {_fill(rng.choice(_NONFUNCTIONAL), rng, ctx)}")
        out.append("")

    out += ["## Constraints", ""]
    for c in rng.sample(_CONSTRAINTS, rng.randint(2, 3)):
        out.append(f"- {_fill(c, rng, ctx)}")
    out.append("")
    return "\n".join(fm), "\n".join(out)


def generate(
    out_dir: Path,
    specs: int,
    seed: int = 1,
    edges_per_spec: float = 2.0,
    *,
    overwrite: bool = False,
) -> list[str]:
    """Write a generated project under ``out_dir`` and return the spec ids in generation order.

    ``edges_per_spec`` is the mean number of explicit ``depends`` entries per spec; targets are
    always earlier specs, so the graph is a DAG. Raises ``FileExistsError`` when
    ``out_dir/.sdd/specs`` already exists, unless ``overwrite`` is true (then it is replaced).
    """
    return _generate(out_dir, specs, seed, edges_per_spec, overwrite)[0]


def _generate(
    out_dir: Path, specs: int, seed: int, edges_per_spec: float, overwrite: bool
) -> tuple[list[str], int, int]:
    """Do the work of :func:`generate`; also return the edge count and bytes written."""
    out_dir = Path(out_dir)
    sdd_dir = out_dir / ".sdd"
    specs_dir = sdd_dir / "specs"
    if specs_dir.exists():
        if not overwrite:
            raise FileExistsError(f"{specs_dir} already exists (pass overwrite=True / --force)")
        shutil.rmtree(specs_dir)
    specs_dir.mkdir(parents=True)
    (sdd_dir / "constitution.md").write_text(_constitution(), encoding="utf-8")
    (sdd_dir / "config.yml").write_text("{}\n", encoding="utf-8")

    rng = random.Random(seed)
    domain_names = list(DOMAINS)
    by_domain: dict[str, list[_Spec]] = {d: [] for d in domain_names}
    used: set[str] = set()
    generated: list[_Spec] = []
    edges = 0
    size = 0
    spread = 2.0 * max(0.0, edges_per_spec) + 1.0

    for _ in range(specs):
        domain = rng.choice(domain_names)
        nouns = DOMAINS[domain][0]
        noun = rng.choice(nouns)
        qualifier = rng.choice(_QUALIFIERS)
        obj = f"{qualifier} {noun}".strip()
        feature = base = _slug(obj)
        n = 2
        while f"{domain}/{feature}" in used:
            feature = f"{base}-{n}"
            n += 1
        spec = _Spec(f"{domain}/{feature}", domain, feature)
        used.add(spec.id)

        # Explicit dependencies: uniform count with the requested mean, half from the same domain.
        k = min(int(rng.random() * spread), len(generated))
        deps: list[_Spec] = []
        seen: set[str] = set()
        tries = 0
        while len(deps) < k and tries < 4 * k:
            tries += 1
            pool = by_domain[domain] if by_domain[domain] and rng.random() < 0.5 else generated
            target = pool[rng.randrange(len(pool))]
            if target.id not in seen:
                seen.add(target.id)
                deps.append(target)

        title = _title(obj) + (f" {n - 1}" if feature != base else "")
        n_reqs = rng.randint(2, 6)
        n_scen = rng.randint(1, 4)
        fm, body = _render(spec, title, obj, rng, deps, generated, n_reqs, n_scen)
        text = f"---\n{fm}\n---\n\n{body}"
        # Keep every spec within 2-5 KB: pad short ones with notes, trim long ones.
        while len(text.encode("utf-8")) > 5000 and (n_reqs > 2 or n_scen > 1):
            if n_reqs > 2:
                n_reqs -= 1
            else:
                n_scen -= 1
            fm, body = _render(spec, title, obj, random.Random(rng.random()), deps, generated,
                               n_reqs, n_scen)
            text = f"---\n{fm}\n---\n\n{body}"
        if len(text.encode("utf-8")) < 2100:
            ctx = {"domain": domain, "obj": obj, "obj_slug": _slug(obj).replace("-", "_"),
                   "title": title, "_terms": DOMAINS[domain][1]}
            notes = ["", "## Notes", ""]
            while len(text.encode("utf-8")) + sum(len(x) + 1 for x in notes) < 2100:
                notes.append(f"- {_fill(rng.choice(_NOTES), rng, ctx)}")
            text += "\n".join(notes) + "\n"

        edges += len(deps)
        data = text.encode("utf-8")
        size += len(data)
        feature_dir = os.path.join(specs_dir, domain, feature)
        os.makedirs(feature_dir, exist_ok=True)
        with open(os.path.join(feature_dir, "spec.md"), "wb") as fh:
            fh.write(data)
        generated.append(spec)
        by_domain[domain].append(spec)

    return [s.id for s in generated], edges, size


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Generate a realistic SDD project for benchmarks.")
    parser.add_argument("out_dir", type=Path, help="project root (.sdd/ is created inside)")
    parser.add_argument("--specs", type=int, default=10000, help="number of specs (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--edges-per-spec", type=float, default=2.0,
                        help="mean explicit dependencies per spec (default 2)")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT_DIR/.sdd/specs if it already exists")
    args = parser.parse_args(argv)
    if args.specs < 0:
        parser.error("--specs must be >= 0")

    start = time.perf_counter()
    try:
        ids, edges, size = _generate(args.out_dir, args.specs, args.seed,
                                     args.edges_per_spec, args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    domains = {spec_id.split("/", 1)[0] for spec_id in ids}
    print(f"wrote {len(ids)} specs in {len(domains)} domains, {edges} dependency edges, "
          f"{size / 1_000_000:.1f} MB to {args.out_dir} in {elapsed:.2f}s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
