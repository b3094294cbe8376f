"""Every kind of source the configuration accepts has a collector, and the reverse."""

from __future__ import annotations

import typing

from rumordesk.base import source_settings
from rumordesk.collectors.registry import COLLECTORS


def _source_classes() -> list[type]:
    union = typing.get_args(source_settings.SourceSettings)[0]
    return list(typing.get_args(union))


def test_every_configurable_kind_is_registered_and_named_in_errors():
    kinds = {typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in _source_classes()}
    assert kinds == set(COLLECTORS)
    assert kinds == set(source_settings.SOURCE_KINDS)  # the "unknown kind" message lists them all


def test_each_collector_declares_its_kind_and_collects():
    for kind, cls in COLLECTORS.items():
        assert cls.kind == kind
        assert callable(cls.collect)
