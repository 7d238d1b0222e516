"""Files loaded in parallel processes and from the cache, handed back in the order they were asked for.

Each file loads on its own (checker.load_file): a worker sends back the pickled FileLoad, which is also what
the cache keeps, so a result costs one pickling whichever way it goes. The order of the results is the order of
the files, so the Workspace, and every report made from it, is the same as a serial run's.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from checker.load import FileUnit
from checker.load_file import FileLoad, load_file
from checker.loaders.base import LoadOptions
from checker.runner.cache import Cache, unchanged
from checker.runner.progress import Progress
from checker.sources.read import fingerprint, note

# fork starts a worker in a millisecond with pipelint already imported, and shares what this process has built;
# where it is not safe (macOS) or not there (Windows), workers are spawned, and ForkMap runs here
FORKS = sys.platform.startswith("linux")
MIN_PARALLEL = 16  # below this many files to load, starting processes costs more than it saves
KIND = "file"


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (a container's share)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


QUIET_THRESHOLDS = (100_000, 50, 100)


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Collect garbage less often: loading builds many small objects that live on, and the collector's scans
    of them cost a third of the time. Reference counting still frees everything that is not in a cycle."""
    before = gc.get_threshold()
    gc.freeze()  # what is alive now (imported modules) is never scanned again
    gc.set_threshold(*QUIET_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@dataclass(slots=True)
class Loader:
    """A FileLoader (checker.load) that uses the cache and, for enough files, several processes."""

    jobs: int = 1
    cache: Cache | None = None
    progress: Progress | None = None

    def __call__(self, units: list[FileUnit], options: LoadOptions) -> list[FileLoad]:
        progress = self.progress or Progress(False)
        progress.phase("loading files", len(units))
        results: list[FileLoad | None] = [None] * len(units)
        keys: list[str | None] = [None] * len(units)
        for index, unit in enumerate(units):
            if self.cache is not None:
                keys[index] = key = self.cache.key(KIND, _options_key(options), unit, fingerprint(unit.path))
                hit = self.cache.get(KIND, key)
                if isinstance(hit, FileLoad) and unchanged(hit.depends, skip=unit.path):
                    results[index] = hit
                    progress.advance()
        todo = [i for i, loaded in enumerate(results) if loaded is None]
        for index, loaded in zip(todo, self._load([units[i] for i in todo], options)):
            data = loaded if isinstance(loaded, bytes) else None
            results[index] = loaded = pickle.loads(data) if data is not None else loaded
            if self.cache is not None and keys[index] is not None:
                self.cache.put_bytes(KIND, keys[index], data or pickle.dumps(loaded, pickle.HIGHEST_PROTOCOL))
            progress.advance()
        for loaded in results:  # what each file's load read, for a cache of the whole run
            for path, mark in loaded.depends:
                note(path, mark)
        return results  # type: ignore[return-value]

    def _load(self, units: list[FileUnit], options: LoadOptions) -> Iterator[FileLoad | bytes]:
        """Each unit's FileLoad, in order: here, or pickled by a worker process."""
        if self.jobs <= 1 or len(units) < MIN_PARALLEL:
            return (load_file(u.path, u.display, u.explicit, options) for u in units)
        return self._in_processes(units, options)

    def _in_processes(self, units: list[FileUnit], options: LoadOptions) -> Iterator[bytes]:
        workers = min(self.jobs, len(units))
        chunk = max(1, min(32, len(units) // (workers * 8)))
        with _context().Pool(workers, initializer=_start_worker, initargs=(options,)) as pool:
            yield from pool.imap(_work, units, chunksize=chunk)


def _options_key(options: LoadOptions) -> tuple:
    return (tuple(sorted(options.parameters.items())), options.max_file_bytes, options.var_files)


def _context():  # -> multiprocessing.context.BaseContext
    import multiprocessing  # here: a run of a few files never starts a process

    method = "fork" if FORKS else "spawn"
    return multiprocessing.get_context(method)


_options: LoadOptions | None = None


def _start_worker(options: LoadOptions) -> None:
    global _options
    _options = options
    _start_forked()
    gc.set_threshold(*QUIET_THRESHOLDS)  # the parent's, when forked; a spawned worker's own


def _work(unit: FileUnit) -> bytes:
    assert _options is not None
    return pickle.dumps(load_file(unit.path, unit.display, unit.explicit, _options), pickle.HIGHEST_PROTOCOL)


@dataclass(slots=True)
class ForkMap:
    """Applies a function to each item in processes forked from this one: they inherit the function and all
    it refers to (the Workspace, the rules, the analysis so far), so only the results travel. The results come
    in the order of the items. Where processes cannot be forked, or for few items, in this process."""

    jobs: int = 1

    def __call__(self, function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        global _task
        if self.jobs <= 1 or len(items) < MIN_PARALLEL or not FORKS:
            return [function(item) for item in items]
        workers = min(self.jobs, len(items))
        _task = (function, items)
        try:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(workers, initializer=_start_forked) as pool:
                return pool.map(_run_task, range(len(items)), chunksize=max(1, len(items) // (workers * 4)))
        finally:
            _task = None


_task: tuple[Callable[[Any], Any], list[Any]] | None = None


def _start_forked() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool


def _run_task(index: int) -> Any:
    assert _task is not None
    function, items = _task
    return function(items[index])
