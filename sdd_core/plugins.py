"""The plugin manager: built-in plugins, entry points (group ``sdd``) and project-local files.

Environment:

- ``SDD_LOAD_PLUGINS``: comma-separated entry-point names to load (an allow-list; empty
  means none). Unset: every installed plugin loads. Project-local plugins
  (``.sdd/plugins/*.py``) are part of the project and not subject to it.
- ``SDD_DISABLE_PLUGINS``: comma-separated entry-point names never to load.
- ``SDD_TRACE_PLUGINS``: print every hook call and result to stderr.

A plugin that fails to import prints one warning naming it and the error; every other command
keeps working.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Generic, TypeVar

import pluggy

from sdd_core import hookspecs

DEFAULT_PLUGINS: tuple[str, ...] = (
    "sdd_core.default_plugins.rules",
    "sdd_core.default_plugins.exporters",
    "sdd_core.default_plugins.commands",
    "sdd_core.default_plugins.backends",
    "sdd_core.default_plugins.query_cmd",
    "sdd_core.default_plugins.search_cmd",
)


@dataclass
class PluginInfo:
    """Where a loaded plugin came from, for ``sdd plugins``."""

    name: str
    kind: str  # builtin | entrypoint | local | registered
    version: str | None = None
    location: str | None = None
    distribution: str | None = None


@dataclass
class LoadError:
    """A plugin that could not be loaded, and why."""

    name: str
    error: str


class SddPluginManager(pluggy.PluginManager):
    """pluggy's manager plus what ``sdd plugins`` reports."""

    def __init__(self) -> None:
        super().__init__("sdd")
        self.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self.load_errors: list[LoadError] = []
        self.local_dirs: set[Path] = set()

    def register_plugin(self, plugin: Any, name: str, kind: str = "registered", **info: Any) -> None:
        """Register ``plugin`` under ``name`` and remember where it came from."""
        self.register(plugin, name=name)
        self.info[name] = PluginInfo(name=name, kind=kind, **info)

    def unregister_plugin(self, name: str) -> None:
        """Unregister a plugin by name (tests use this)."""
        plugin = self.get_plugin(name)
        if plugin is not None:
            self.unregister(plugin)
        self.info.pop(name, None)

    def is_builtin(self, name: str) -> bool:
        """Built-in plugins lose clashes to third-party ones."""
        info = self.info.get(name)
        return info is not None and info.kind == "builtin"

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a ``register_*`` hook; return ``(provider, thing)`` pairs in call order."""
        collected: list[tuple[str, Any]] = []
        caller = getattr(self.hook, hook_name)
        impls = list(reversed(caller.get_hookimpls()))
        self.trace_direct(hook_name, impls)
        for impl in impls:
            provider = self.get_name(impl.plugin) or "?"

            def register(*args: Any, _p: str = provider) -> None:
                collected.append((_p, args[0] if len(args) == 1 else args))

            func = impl.function
            argnames = impl.argnames
            call_kwargs = {k: v for k, v in {"register": register, **kwargs}.items()
                           if k in argnames}
            func(**call_kwargs)
        return collected

    def trace_direct(self, hook_name: str, impls: list[Any]) -> None:
        """With ``SDD_TRACE_PLUGINS``, report a hook the core calls implementation by
        implementation (collectors), which pluggy's monitoring does not see."""
        if os.environ.get("SDD_TRACE_PLUGINS"):
            names = [self.get_name(i.plugin) for i in impls]
            print(f"sdd: trace: {hook_name} -> {names}", file=sys.stderr)

    def load_local_plugins(self, sdd_dir: Path) -> None:
        """Load every ``.sdd/plugins/*.py`` of a project as a plugin (once per folder)."""
        folder = sdd_dir / "plugins"
        if folder in self.local_dirs or not folder.is_dir():
            return
        self.local_dirs.add(folder)
        for path in sorted(folder.glob("*.py")):
            name = f"local:{path.stem}"
            # the allow-list is for installed plugins; a project's own plugins obey the block-list
            if self.has_plugin(name) or path.stem in (_names("SDD_DISABLE_PLUGINS") or set()):
                continue
            try:
                spec = importlib.util.spec_from_file_location(f"sdd_local_{path.stem}", path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not kill the CLI
                self._warn(name, exc, where=str(path))
                continue
            self.register_plugin(module, name, kind="local", location=str(path))

    def _warn(self, name: str, exc: BaseException, where: str | None = None) -> None:
        detail = f"{type(exc).__name__}: {exc}"
        self.load_errors.append(LoadError(name=name, error=detail))
        place = f" ({where})" if where else ""
        print(f"sdd: warning: plugin {name!r}{place} failed to load and is skipped: {detail}"
              f"\n  hint: fix or uninstall it, or set SDD_DISABLE_PLUGINS={name.split(':')[-1]}",
              file=sys.stderr)


def _names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def _blocked(name: str) -> bool:
    allow = _names("SDD_LOAD_PLUGINS")
    block = _names("SDD_DISABLE_PLUGINS") or set()
    return name in block or (allow is not None and name not in allow)


_pm: SddPluginManager | None = None


def get_plugin_manager() -> SddPluginManager:
    """The process-wide plugin manager, loading plugins on first use."""
    global _pm
    if _pm is None:
        _pm = _build()
    return _pm


def reset() -> None:
    """Forget the plugin manager; the next :func:`get_plugin_manager` loads afresh."""
    global _pm
    _pm = None


def _build() -> SddPluginManager:
    pm = SddPluginManager()
    if os.environ.get("SDD_TRACE_PLUGINS"):
        def before(hook_name: str, impls: Any, kwargs: Any) -> None:
            names = [pm.get_name(i.plugin) for i in impls]
            print(f"sdd: trace: {hook_name} -> {names}", file=sys.stderr)

        def after(outcome: Any, hook_name: str, impls: Any, kwargs: Any) -> None:
            try:
                result = outcome.get_result()
            except BaseException as exc:  # noqa: BLE001
                result = f"raised {type(exc).__name__}: {exc}"
            print(f"sdd: trace: {hook_name} <- {result!r:.200}", file=sys.stderr)

        pm.add_hookcall_monitoring(before, after)
    for modname in DEFAULT_PLUGINS:
        module = importlib.import_module(modname)
        pm.register_plugin(module, "sdd." + modname.rsplit(".", 1)[-1], kind="builtin",
                           location=modname)
    if not getattr(sys, "_sdd_no_entrypoints", False):
        _load_entrypoints(pm)
    return pm


def _load_entrypoints(pm: SddPluginManager) -> None:
    for name, value, dist_name, version in installed_entry_points():
        if pm.has_plugin(name) or _blocked(name):
            continue
        try:
            plugin: ModuleType = _load_value(value)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not kill the CLI
            pm._warn(name, exc, where=value)
            continue
        try:
            pm.register_plugin(plugin, name, kind="entrypoint", version=version,
                               distribution=dist_name, location=value)
        except Exception as exc:  # noqa: BLE001 - e.g. a hook implementation with no spec
            pm._warn(name, exc, where=value)


def _load_value(value: str) -> Any:
    """Import an entry point's ``module`` or ``module:attr``."""
    module_name, _, attr = value.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


EntryPointRow = tuple[str, str, "str | None", "str | None"]


def installed_entry_points() -> list[EntryPointRow]:
    """``(name, value, distribution, version)`` of every entry point in group ``sdd``.

    Scanning every installed distribution's metadata costs ~40 ms in a large environment, a
    third of ``sdd --help``; the answer is kept in the user's cache folder, keyed by every
    ``sys.path`` folder and its modification time (installing or removing a package changes
    its folder's time), and recomputed when any of them changes. ``SDD_NO_PLUGIN_CACHE=1``
    turns the cache off.
    """
    import json

    key = _environment_key()
    path = _cache_dir() / "entry-points.json"
    use_cache = not os.environ.get("SDD_NO_PLUGIN_CACHE")
    entries: list[dict[str, Any]] = []
    if use_cache:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))["environments"]
            for entry in entries:
                if entry["key"] == key:
                    return [tuple(row) for row in entry["entry_points"]]  # type: ignore[misc]
        except (OSError, ValueError, KeyError, TypeError):
            entries = []
    rows = _scan_entry_points()
    if use_cache:
        # one entry per environment (a venv's script, `python -m`, tests ...), newest last
        entries = [*entries[-7:], {"key": key, "entry_points": rows}]
        try:
            from sdd_core.storage import atomic_write

            atomic_write(path, json.dumps({"environments": entries}).encode())
        except OSError:
            pass  # a read-only home is fine: scan again next time
    return rows


def _scan_entry_points() -> list[EntryPointRow]:
    from importlib.metadata import entry_points

    rows: list[EntryPointRow] = []
    for ep in entry_points(group="sdd"):
        dist = getattr(ep, "dist", None)
        rows.append((ep.name, ep.value, dist.metadata["Name"] if dist else None,
                     dist.version if dist else None))
    return rows


def _environment_key() -> list[Any]:
    key: list[Any] = [sys.prefix, sys.version]
    for entry in sys.path:
        if not entry:  # the current folder (python -c): its time changes with any file in it
            key.append(["", None])
            continue
        try:
            key.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            key.append([entry, None])
    return key


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sdd"


T = TypeVar("T")


class Registry(Generic[T]):
    """Named things collected from every plugin, with the plugin that provided each
    (public as ``sdd_core.registry.Registry``)."""

    def __init__(self, kind: str, key: Callable[[T], str],
                 items: dict[str, T] | None = None, providers: dict[str, str] | None = None
                 ) -> None:
        self.kind = kind
        self.key = key
        self.items: dict[str, T] = items if items is not None else {}
        self.providers: dict[str, str] = providers if providers is not None else {}

    def add(self, item: T, provider: str, builtin: bool) -> None:
        """Add ``item``; on a clash a third-party plugin wins over a built-in one."""
        name = self.key(item)
        if name in self.items:
            old = self.providers[name]
            old_builtin = old.startswith("sdd.")
            if builtin and not old_builtin:
                return
            if not (old_builtin and not builtin):
                print(f"sdd: warning: {self.kind} {name!r} is registered by both {old!r} and"
                      f" {provider!r}; using {provider!r}", file=sys.stderr)
        self.items[name] = item
        self.providers[name] = provider

    def __getitem__(self, name: str) -> T:
        return self.items[name]

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def __repr__(self) -> str:
        return f"Registry(kind={self.kind!r}, names={self.names()!r})"

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self.items)

    def values(self) -> list[T]:
        """Registered things, sorted by name."""
        return [self.items[n] for n in self.names()]
