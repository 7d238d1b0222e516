"""The content-addressed cache: a file's load, and a whole run's reports, kept under a key of what made them.

A key is a digest of pipelint's own code (every source file's size and time, the libraries that parse), the
options, and the input itself. An entry also lists every file its result looked at with its fingerprint
(checker.sources.read), and is used only while all of them are unchanged — a reusable workflow edited, a stack
template deleted, a file added to a scanned folder: the entry is stale and the work is done again.

Entries are pickles, so the cache lives where only the user writes (the user's cache folder, not the
repository: a pull request must not be able to plant one), and they are read back with an unpickler that builds
pipelint's own classes and plain containers only. Anything unreadable is a miss, never an error: the cache
only ever saves time.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from typing import BinaryIO

from checker.packs import declared
from checker.sources.read import digest, fingerprint

ENVIRONMENT = "PIPELINT_CACHE_DIR"
FORMAT = "1"  # the layout of an entry; bump it when that changes
_README = """This folder is pipelint's cache: loaded files and reports, each under a key of what made it.
Delete it at any time; `pipelint lint --no-cache` does not use it.
"""
_SAFE_BUILTINS = {"tuple", "list", "dict", "set", "frozenset", "str", "bytes", "int", "float", "bool", "complex",
                  "NoneType", "slice"}  # fmt: skip


def default_directory() -> str:
    if os.environ.get(ENVIRONMENT):
        return os.environ[ENVIRONMENT]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pipelint")


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module == "checker" or module.startswith("checker.") or (module == "builtins" and name in _SAFE_BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a class pipelint caches")


class Cache:
    """Entries by kind and key, one file each, written whole (a temporary file renamed) so that parallel runs
    and interrupted ones never leave half an entry."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._code: str | None = None

    @classmethod
    def open(cls, directory: str | None = None) -> tuple[Cache | None, str | None]:
        """The cache in `directory` (default: the user's cache folder), or None and why it cannot be used."""
        directory = directory or default_directory()
        try:
            os.makedirs(directory, exist_ok=True)
            readme = os.path.join(directory, "README")
            if not os.path.exists(readme):
                with open(readme, "w", encoding="utf-8") as stream:
                    stream.write(_README)
                with open(os.path.join(directory, "CACHEDIR.TAG"), "w", encoding="utf-8") as stream:
                    stream.write("Signature: 8a477f597d28d172789f06886806bc55\n# pipelint's cache\n")
                with open(os.path.join(directory, ".gitignore"), "w", encoding="utf-8") as stream:
                    stream.write("*\n")
        except OSError as error:
            return None, f"the cache folder {directory} cannot be used ({error.strerror or error}); running without it"
        return cls(directory), None

    def key(self, *parts: object) -> str:
        """A digest of pipelint's code and these parts (which must have a stable repr)."""
        return digest(repr((FORMAT, self.code(), parts)).encode("utf-8", "surrogateescape"))

    def code(self) -> str:
        if self._code is None:
            self._code = code_fingerprint()
        return self._code

    def get(self, kind: str, key: str) -> object | None:
        try:
            with open(self._path(kind, key), "rb") as stream:
                return _Unpickler(io.BytesIO(stream.read())).load()
        except Exception:  # noqa: BLE001 - missing, truncated, from another version, tampered: a miss
            return None

    def put(self, kind: str, key: str, value: object) -> None:
        """Keep `value`, pickled straight into the file (a large run's reports are not copied in memory)."""
        self._write(kind, key, lambda stream: pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL))

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        """Keep a value pickled already (by a worker process)."""
        self._write(kind, key, lambda stream: stream.write(data))

    def _write(self, kind: str, key: str, write: Callable[[BinaryIO], object]) -> None:
        path = self._path(kind, key)
        import tempfile  # here: a run that finds everything in the cache writes nothing

        temporary = None
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                write(stream)
            os.replace(temporary, path)
            temporary = None
        except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
            pass  # a full disk, a read-only folder, a value that cannot be kept: the run goes on without it
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.directory, kind, key[:2], key)


def unchanged(depends: Iterable[tuple[str, str]], skip: str | None = None) -> bool:
    """Whether every file an entry was made from still has the same fingerprint (`skip`: one known to)."""
    return all(fingerprint(path) == mark for path, mark in depends if path != skip)


def code_fingerprint() -> str:
    """What pipelint's results depend on besides the inputs: its own files (by size and modification time, so
    an edited checkout counts), the Python that runs it, the parsers it uses, and the rule packs installed."""
    import checker

    packs = declared()
    parts: list[object] = [checker.__version__, sys.version, sys.executable, packs,
                           _tree("checker", (".py", ".json", ".yaml", ".md"))]  # fmt: skip
    parts += [_tree(name) for name in ("yaml", "hcl2", "lark", *_pack_packages(packs))]
    return digest(repr(parts).encode("utf-8", "surrogateescape"))


def _pack_packages(packs: list[tuple[str, str, str]]) -> list[str]:
    """The top-level packages the rule packs' entry points name (`mypack.rules:RULES` -> mypack)."""
    names = set()
    for _, _, text in packs:
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if value.strip() and ":" in value and not name.strip().startswith(("[", "#")):
                names.add(value.strip().split(":")[0].split(".")[0].strip())
    return sorted(names)


def _tree(name: str, suffixes: tuple[str, ...] = (".py",)) -> object:
    """A package's files (a module's one file) by size and time: a package edited in place counts."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return (name, None)
    if spec is None:
        return (name, None)
    files = []
    for folder in spec.submodule_search_locations or []:
        for directory, subdirectories, names in os.walk(folder):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
            for file in sorted(n for n in names if n.endswith(suffixes)):
                info = os.stat(os.path.join(directory, file))
                files.append((os.path.join(directory, file), info.st_size, info.st_mtime_ns))
    if not files and spec.origin:
        info = os.stat(spec.origin)
        files.append((spec.origin, info.st_size, info.st_mtime_ns))
    return (name, files)
