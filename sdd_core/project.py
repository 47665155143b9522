"""The project: where it is, its settings and constitution, and the one path for every change.

Every read of specs goes through :meth:`Project.index`; every write goes through
:meth:`Project.write_spec` / :meth:`Project.delete_spec`, which ask the ``authorize`` hook,
run ``spec_before_save`` / ``spec_after_save``, emit an event through ``on_event`` and write
the file atomically. No command writes a spec file any other way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, TypeVar

from sdd_core.errors import Conflict, NotFound, PermissionDenied, ProjectError, SddError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from sdd_core.index import IndexBackend, LoadResult, SpecSummary
    from sdd_core.model import Actor, Event, Spec
    from sdd_core.plugins import SddPluginManager
    from sdd_core.plugins import Registry
    from sdd_core.storage import Storage

SDD_DIR = ".sdd"
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$")


#: What :meth:`Project.visible` filters: whole specs or their listing summaries.
_Viewable = TypeVar("_Viewable", "Spec", "SpecSummary")


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds a ``.sdd/`` folder."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / SDD_DIR).is_dir():
            return folder
    return None


@dataclass(frozen=True)
class Constitution:
    """The project's constitution: its semver ``version`` and where it is."""

    path: Path
    version: str | None
    problem: str | None = None

    @property
    def major(self) -> int | None:
        """The major version, or ``None`` when there is no valid version."""
        m = SEMVER.match(self.version or "")
        return int(m.group(1)) if m else None


class Project:
    """An SDD project rooted at the folder that holds ``.sdd/``."""

    def __init__(self, root: Path, pm: "SddPluginManager | None" = None,
                 actor: "Actor | None" = None) -> None:
        from sdd_core.plugins import get_plugin_manager

        self.root = Path(root).resolve()
        self.sdd_dir = self.root / SDD_DIR
        if not self.sdd_dir.is_dir():
            raise ProjectError(f"{self.root} is not an SDD project (no {SDD_DIR}/ folder)",
                               hint="run `sdd init` there, or pass -C PATH")
        self.specs_dir = self.sdd_dir / "specs"
        self.specs_rel = f"{SDD_DIR}/specs"
        self.pm = pm or get_plugin_manager()
        self.pm.load_local_plugins(self.sdd_dir)
        self._actor = actor
        self._index: IndexBackend | None = None

    # ------------------------------------------------------------------ discovery

    @classmethod
    def discover(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> "Project":
        """Find the project: ``path`` (``-C``), else ``SDD_PROJECT``, else walk up from the
        current folder to the first ``.sdd/``."""
        explicit = path or os.environ.get("SDD_PROJECT")
        if explicit:
            start = Path(explicit)
            if not start.exists():
                raise ProjectError(f"project path {start} does not exist")
            root = find_root(start)
            if root is None:
                raise ProjectError(f"no SDD project at or above {start}",
                                   hint="run `sdd init` to create one")
            return cls(root, **kwargs)
        root = find_root(Path.cwd())
        if root is None:
            raise ProjectError(f"no SDD project found in {Path.cwd()} or any parent folder",
                               hint="run `sdd init` to create one, or pass -C PATH")
        return cls(root, **kwargs)

    # ------------------------------------------------------------------ settings

    @cached_property
    def config(self) -> "BaseModel":
        """The validated ``.sdd/config.yml`` (core sections plus every plugin's)."""
        from sdd_core.config import CORE_SECTIONS, load_config

        sections = dict(CORE_SECTIONS)
        for provider, (name, model) in self.pm.collect("register_settings"):
            if name in sections:
                raise ProjectError(f"config section {name!r} is declared twice (by {provider!r})")
            sections[name] = model
        config = load_config(self.sdd_dir / "config.yml", sections)
        self._record_config(config)
        return config

    def settings(self, section: str) -> Any:
        """One section of the config."""
        return getattr(self.config, section)

    def setting(self, section: str, key: str) -> Any:
        """One value of the config, as JSON (an enum as its value, a date as ISO text).

        Validating the config builds the schemas of every section (pydantic, ~100 ms of
        start-up); a read-only command that needs one value (which index or search backend)
        should not pay that on every run. So each successful validation is recorded in
        ``.sdd/.cache/config.json`` under a key made of the config file's bytes and of the
        code that defines its sections (the core's version, every ``register_settings``
        plugin with its version and module time); while the key matches, the value comes
        from that record. Any change to the file or to those plugins validates afresh, so an
        invalid config is still reported by every command.
        """
        if "config" not in self.__dict__:
            record = self._config_state[1]
            if record is not None:
                values = record.get(section)
                if isinstance(values, dict) and key in values:
                    return values[key]
        values = self.settings(section)
        if hasattr(values, "model_dump"):
            return values.model_dump(mode="json")[key]
        return getattr(values, key)

    def _config_key(self) -> str | None:
        from sdd_core import __version__
        from sdd_core.basics import blake2b

        try:
            data = (self.sdd_dir / "config.yml").read_bytes()
        except FileNotFoundError:
            data = b"<none>"
        except OSError:
            return None
        parts = [__version__, _file_time(__file__.replace("project.py", "config.py"))]
        for impl in self.pm.hook.register_settings.get_hookimpls():
            name = self.pm.get_name(impl.plugin) or "?"
            info = self.pm.info.get(name)
            parts += [name, getattr(info, "version", None) or "",
                      _file_time(getattr(getattr(impl.function, "__code__", None),
                                         "co_filename", ""))]
        h = blake2b(data)
        h.update("\0".join(parts).encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    @cached_property
    def _config_state(self) -> tuple[str | None, dict[str, Any] | None]:
        """``(key of the config as it is now, the recorded validated config when the record
        has that key)``: read once per project (:meth:`setting` may be called often)."""
        import json

        key = self._config_key()
        if key is None:
            return None, None
        try:
            with open(self.sdd_dir / ".cache" / "config.json", "rb") as fh:
                record = json.loads(fh.read())
        except (OSError, ValueError):
            return key, None
        if not isinstance(record, dict) or record.get("key") != key:
            return key, None
        config = record.get("config")
        return key, (config if isinstance(config, dict) else None)

    def _record_config(self, config: Any) -> None:
        """Record a successful validation for :meth:`setting` (best effort)."""
        import json

        key, recorded = self._config_state
        if key is None or recorded is not None:
            return  # nothing to key it by, or recorded already
        try:
            from sdd_core.storage import atomic_write

            path = self.sdd_dir / ".cache" / "config.json"
            dump = config.model_dump(mode="json")
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"key": key, "config": dump}).encode())
        except (OSError, TypeError, ValueError):
            pass  # a read-only project still works: it validates on every run

    @cached_property
    def constitution(self) -> Constitution | None:
        """The constitution, or ``None`` when ``.sdd/constitution.md`` does not exist."""
        from sdd_core.parsing import load_front_matter, split_front_matter

        path = self.sdd_dir / "constitution.md"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            return Constitution(path, None, f"cannot read: {exc}")
        fm, _, _, _ = split_front_matter(text)
        try:
            meta = load_front_matter(fm) if fm else {}
        except Exception as exc:  # noqa: BLE001 - yaml errors of any kind
            return Constitution(path, None, f"front matter is not valid YAML: {exc}")
        version = meta.get("version") if isinstance(meta, dict) else None
        version = None if version is None else str(version)
        if version is None:
            return Constitution(path, None, "no 'version' in the front matter")
        if not SEMVER.match(version):
            return Constitution(path, version, f"version {version!r} is not semver (MAJOR.MINOR.PATCH)")
        return Constitution(path, version)

    # ------------------------------------------------------------------ actor

    @property
    def actor(self) -> "Actor":
        """Who acts in this process (``--as``, ``SDD_USER``, Git, the OS user)."""
        if self._actor is None:
            from sdd_core.basics import Actor

            self._actor = Actor.resolve(cwd=str(self.root))
        return self._actor

    @actor.setter
    def actor(self, value: "Actor") -> None:
        self._actor = value

    # ------------------------------------------------------------------ registries

    def _registry(self, hook: str, kind: str, key: Any) -> "Registry[Any]":
        from sdd_core.plugins import Registry

        reg: Registry[Any] = Registry(kind=kind, key=key)
        for provider, item in self.pm.collect(hook):
            reg.add(item, provider, self.pm.is_builtin(provider))
        return reg

    @cached_property
    def rules(self) -> "Registry[Any]":
        """Every registered validation rule, by code."""
        return self._registry("register_rules", "rule", lambda r: r.code)

    @cached_property
    def exporters(self) -> "Registry[Any]":
        """Every registered export format, by name."""
        return self._registry("register_exporters", "exporter", lambda e: e.name)

    @cached_property
    def importers(self) -> "Registry[Any]":
        """Every registered import format, by name."""
        return self._registry("register_importers", "importer", lambda e: e.name)

    @cached_property
    def index_backends(self) -> "Registry[Any]":
        """Every registered index backend, by name."""
        return self._registry("register_index_backends", "index backend", lambda b: b.name)

    @cached_property
    def storage(self) -> "Storage":
        """Where spec files are read and written (the project folder by default)."""
        reg = self._registry("register_storage_backends", "storage backend", lambda b: b.name)
        return reg["files"].open(self.root)

    def index(self, backend: str | None = None) -> "IndexBackend":
        """The index backend answering reads: ``backend``, else ``index.backend`` from the
        config, else the registered one with the highest priority."""
        if backend is None and self._index is not None:
            return self._index
        reg = self.index_backends
        name = backend or self.setting("index", "backend")
        if name is None:
            name = max(reg.values(), key=lambda b: b.priority).name
        if name not in reg:
            raise ProjectError(f"unknown index backend {name!r}",
                               hint=f"installed backends: {', '.join(reg.names())}")
        idx = reg[name].open(self)
        if backend is None:
            self._index = idx
        return idx

    # ------------------------------------------------------------------ reads

    def load(self) -> "LoadResult":
        """Every spec and load problem, through the index backend."""
        return self.index().result()

    def specs(self, actor: "Actor | None" = None) -> "list[Spec]":
        """Every spec the actor may view, sorted by id."""
        return self.visible(self.index().specs(), actor)

    def summaries(self, actor: "Actor | None" = None) -> "list[SpecSummary]":
        """The listing fields of every spec the actor may view, sorted by id. The index
        answers from its columns (a cache builds no specs) unless an access plugin needs
        whole specs to decide (:meth:`access_reads_summaries`)."""
        if self.access_reads_summaries():
            return self.visible(self.index().summaries(), actor)
        from sdd_core.index import SpecSummary

        return [SpecSummary.of(s) for s in self.specs(actor)]

    def access_reads_summaries(self) -> bool:
        """Whether ``spec.view`` can be decided from a :class:`~sdd_core.index.SpecSummary`:
        no access plugin is installed, or every ``authorize`` implementation declares
        ``accepts_summaries = True`` (it reads only listing fields such as the domain)."""
        return all(getattr(impl.function, "accepts_summaries", False)
                   for impl in self.pm.hook.authorize.get_hookimpls())

    def get(self, ref: str, actor: "Actor | None" = None) -> "Spec":
        """One spec by id or path; raises ``NotFound`` when it does not exist or the actor
        may not view it."""
        spec = self.index().get(ref)
        # a spec the actor may not view is "not found", so its existence does not leak
        if spec is None or not self.allowed(actor or self.actor, "spec.view", spec):
            raise NotFound(f"no spec {ref!r} in {self.root}",
                           hint="`sdd list` shows every spec id")
        return spec

    def visible(self, specs: "Iterable[_Viewable]", actor: "Actor | None" = None
                ) -> "list[_Viewable]":
        """The specs ``actor`` may view (all of them when no access plugin is installed):
        ``Spec`` objects, or ``SpecSummary`` ones when every access plugin accepts them."""
        specs = list(specs)
        if not self.pm.hook.authorize.get_hookimpls():
            return specs
        who = actor or self.actor
        return [s for s in specs if self.allowed(who, "spec.view", s)]

    def resolve_ref(self, ref: str, specs: "dict[str, Spec]", origin: "Spec | None" = None
                    ) -> "Spec | None":
        """The spec a reference names: an id, a path under ``specs/`` (with or without
        ``.md`` or ``/spec.md``), a project-relative path, or a path relative to ``origin``."""
        from sdd_core.refs import path_map, resolve_ref

        hit = specs.get(ref.strip())
        if hit is not None:
            return hit
        cache = getattr(self, "_path_cache", None)
        if cache is None or cache[0] is not specs:
            cache = (specs, path_map(specs))  # built once per set of specs
            self._path_cache = cache
        return resolve_ref(ref, specs, origin, paths=cache[1])

    # ------------------------------------------------------------------ access

    def allowed(self, actor: "Actor", action: str, resource: Any = None) -> bool:
        """Whether the ``authorize`` hook lets ``actor`` do ``action`` (any deny wins)."""
        answers = self.pm.hook.authorize(actor=actor, action=action, resource=resource,
                                         project=self)
        return not any(a is False for a in answers)

    def authorize(self, actor: "Actor", action: str, resource: Any = None) -> None:
        """Raise ``PermissionDenied`` unless ``actor`` may do ``action`` on ``resource``."""
        if not self.allowed(actor, action, resource):
            what = getattr(resource, "id", resource)
            target = f" on {what}" if what else ""
            raise PermissionDenied(f"{actor.handle} may not {action}{target}",
                                   hint="`sdd access check` explains the decision")

    # ------------------------------------------------------------------ writes

    def emit(self, event: "Event") -> None:
        """Send an event through ``on_event`` (a listener that raises fails the action)."""
        self.pm.hook.on_event(project=self, event=event)

    def new_spec_path(self, spec_id: str) -> str:
        """Where a new spec with this id goes: ``specs/<domain>/<name>/spec.md``."""
        parts = [p for p in spec_id.strip("/").split("/") if p]
        if not parts or any(p in (".", "..") or not re.match(r"^[\w.-]+$", p) for p in parts):
            raise SddError(f"invalid spec id {spec_id!r}",
                           hint="use DOMAIN/NAME with letters, digits, '-', '_' or '.'")
        return f"{self.specs_rel}/{'/'.join(parts)}/spec.md"

    def write_spec(self, rel_path: str, text: str, *, actor: "Actor | None" = None,
                   expected_hash: str | None = None, create: bool | None = None,
                   event: str | None = None, details: dict[str, Any] | None = None) -> "Spec":
        """Create or replace the spec file at ``rel_path`` (relative to the project root).

        :param expected_hash: the content hash the caller last read; if the file changed
            since, ``Conflict`` is raised and nothing is written.
        :param create: ``True`` requires that the file does not exist yet (``Conflict``
            otherwise), ``False`` that it does (``NotFound``); ``None`` accepts both.
        :param event: the event type to emit (default ``spec.created``/``spec.updated``).
        """
        from sdd_core.model import Event
        from sdd_core.parsing import content_hash

        who = actor or self.actor
        storage = self.storage
        old: Spec | None = None
        old_hash: str | None = None
        if storage.exists(rel_path):
            if create:
                raise Conflict(f"{rel_path} already exists", hint="choose another id, or edit it")
            old_bytes = storage.read(rel_path)
            old_hash = content_hash(old_bytes)
            old = self._parse_or_none(old_bytes, rel_path)
        elif create is False:
            raise NotFound(f"{rel_path} does not exist")
        if expected_hash is not None and expected_hash != old_hash:
            raise Conflict(f"{rel_path} changed since it was read (stale write refused)",
                           hint="read it again and re-apply your change")

        new = self._parse_strict(text, rel_path)
        self.authorize(who, "spec.update" if old is not None else "spec.create", old or new)
        if old is not None and old.id != new.id:
            self.authorize(who, "spec.create", new)
        for amended in self.pm.hook.spec_before_save(project=self, old=old, new=new,
                                                     text=text, actor=who):
            if amended is not None and amended != text:
                text = amended
                new = self._parse_strict(text, rel_path)
        data = text.encode("utf-8")
        kind = event or ("spec.updated" if old is not None else "spec.created")
        ev = Event(type=kind, actor=who, resource=new.id, details={
            "path": rel_path, "before": old_hash, "after": content_hash(data), **(details or {}),
        })
        storage.write(rel_path, data, before_commit=lambda: self.emit(ev))
        if self._index is not None:
            self._index.invalidate()
        self.pm.hook.spec_after_save(project=self, old=old, new=new, actor=who)
        return new

    def update_spec(self, ref: str, changes: dict[str, Any] | None = None, *,
                    remove: Iterable[str] = (), body: str | None = None,
                    actor: "Actor | None" = None, expected_hash: str | None = None,
                    event: str | None = None, details: dict[str, Any] | None = None) -> "Spec":
        """Change front matter keys (and optionally the body) of an existing spec, keeping
        every other key, the key order and the comments as they are."""
        from sdd_core import frontmatter

        spec = self.get(ref, actor)
        text = self.storage.read(spec.path).decode("utf-8")
        new_text = frontmatter.update(text, changes or {}, list(remove), body)
        return self.write_spec(spec.path, new_text, actor=actor, create=False,
                               expected_hash=expected_hash or spec.hash, event=event,
                               details=details)

    def delete_spec(self, ref: str, *, actor: "Actor | None" = None,
                    expected_hash: str | None = None) -> "Spec":
        """Delete a spec file (authorized, announced, and refused on a stale hash)."""
        from sdd_core.model import Event
        from sdd_core.parsing import content_hash

        who = actor or self.actor
        spec = self.get(ref, who)
        self.authorize(who, "spec.delete", spec)
        current = content_hash(self.storage.read(spec.path))
        if expected_hash is not None and expected_hash != current:
            raise Conflict(f"{spec.path} changed since it was read (stale delete refused)")
        self.emit(Event(type="spec.deleted", actor=who, resource=spec.id,
                        details={"path": spec.path, "before": current}))
        self.storage.delete(spec.path)
        if self._index is not None:
            self._index.invalidate()
        self.pm.hook.spec_after_delete(project=self, spec=spec, actor=who)
        return spec

    def _parse_or_none(self, data: bytes, rel_path: str) -> "Spec | None":
        from sdd_core.parsing import parse_spec

        return parse_spec(data, rel_path, self._rel_specs(rel_path)).spec

    def _parse_strict(self, text: str, rel_path: str) -> "Spec":
        from sdd_core.model import Severity
        from sdd_core.parsing import parse_spec

        result = parse_spec(text.encode("utf-8"), rel_path, self._rel_specs(rel_path))
        errors = [p for p in result.problems if p.severity == Severity.ERROR]
        if result.spec is None or errors:
            detail = "; ".join(f"{p.location()}: {p.code} {p.message}" for p in (errors or result.problems))
            raise SddError(f"refusing to write {rel_path}: {detail}",
                           hint="fix the front matter; the file on disk is unchanged")
        return result.spec

    def _rel_specs(self, rel_path: str) -> str:
        prefix = self.specs_rel + "/"
        if not rel_path.startswith(prefix):
            raise SddError(f"{rel_path} is not under {self.specs_rel}/")
        return rel_path[len(prefix):]


def _file_time(path: str) -> str:
    """A file's modification time ("" when unknown)."""
    try:
        return str(os.stat(path).st_mtime_ns) if path else ""
    except OSError:
        return ""
