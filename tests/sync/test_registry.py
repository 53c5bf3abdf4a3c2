"""Every stream cdlink ships is in the one list the runtimes run streams from."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import cdlink.sync
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.engine import Database
from cdlink.sync.engine.streams import Stream
from cdlink.sync.registry import STREAMS, default_registry


def shipped_stream_classes() -> set[type[Stream]]:
    """Every concrete stream class defined in a module of ``cdlink.sync``, engine aside."""
    found: set[type[Stream]] = set()
    for module_info in pkgutil.walk_packages(cdlink.sync.__path__, "cdlink.sync."):
        if module_info.name.startswith("cdlink.sync.engine"):
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            defined_here = value.__module__ == module.__name__
            if defined_here and issubclass(value, Stream) and not inspect.isabstract(value):
                found.add(value)
    return found


def test_given_every_stream_module_when_listed_then_each_stream_is_registered() -> None:
    shipped = shipped_stream_classes()

    assert shipped  # the walk found the streams (orders, stock…)
    assert shipped == set(STREAMS)
    assert all(stream.name in default_registry for stream in shipped)


def test_given_the_registry_when_a_name_is_used_twice_then_names_are_unique() -> None:
    names = [stream.name for stream in STREAMS]

    assert len(names) == len(set(names))


def test_given_a_job_environment_when_built_then_it_runs_the_shipped_streams(
    settings: Settings,
) -> None:
    environment = JobEnvironment(settings, Database("sqlite://"))

    assert environment.registry is default_registry
    assert set(environment.registry.names()) >= {stream.name for stream in STREAMS}
