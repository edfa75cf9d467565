"""Every public event handler of the compiled app, read from its state tree.

Any websocket client can call any of these by name (see tests/support/event_socket.py), so
this list is the app's real API: importing the app module registers every state, and
walking `rx.State`'s substates gives each state's `event_handlers` (Reflex's own ones, such
as `hydrate` and each state's `setvar`, included: they are callable too).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Parameter:
    name: str
    annotation: Any  # the resolved type, or the annotation's text if it does not resolve
    has_default: bool


@dataclass(frozen=True)
class PublicHandler:
    name: str  # the full dotted name a client sends, as Reflex formats it
    fn: Callable[..., Any]
    parameters: tuple[Parameter, ...]  # without `self`
    is_background: bool

    @property
    def short_name(self) -> str:
        """`bell_state.action_done`: the state's own name (module prefix dropped) and the handler."""
        state, _, handler = self.name.rpartition(".")
        return f"{state.rpartition('.')[2].rpartition('____')[2]}.{handler}"

    def takes(self, kind: type) -> bool:
        """Whether some parameter accepts `kind` (e.g. `str`, `dict`)."""
        return any(_accepts(p.annotation, kind) for p in self.parameters)


def _accepts(annotation: Any, kind: type) -> bool:
    """`str`, `str | None`, `Optional[str]` accept str; `dict[str, Any]` does not."""
    if annotation is kind or typing.get_origin(annotation) is kind:
        return True
    if isinstance(annotation, str):  # unresolved: judge by its text
        return annotation.split("[")[0].strip() == kind.__name__ or f"{kind.__name__} |" in annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_accepts(arg, kind) for arg in typing.get_args(annotation))
    return False


def _walk(state: type) -> Iterator[type]:
    yield state
    for substate in sorted(state.get_substates(), key=lambda s: s.get_full_name()):
        yield from _walk(substate)


def _parameters(fn: Callable[..., Any]) -> tuple[Parameter, ...]:
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # a forward reference that does not resolve: keep the text
        hints = {}
    params = list(inspect.signature(fn).parameters.values())[1:]
    return tuple(
        Parameter(p.name, hints.get(p.name, p.annotation), p.default is not inspect.Parameter.empty) for p in params
    )


@cache
def public_handlers() -> tuple[PublicHandler, ...]:
    """Every handler of every state of the app, in state-tree order."""
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    import notification_center.notification_center  # noqa: F401  (registers every state and page)

    return tuple(
        PublicHandler(
            name=format_event_handler(handler),
            fn=handler.fn,
            parameters=_parameters(handler.fn),
            is_background=bool(getattr(handler, "is_background", False)),
        )
        for state in _walk(rx.State)
        for handler in state.event_handlers.values()
    )


if __name__ == "__main__":  # python -m tests.support.event_handlers: the list, for a review
    for h in public_handlers():
        print(h.name, [(p.name, p.annotation) for p in h.parameters])
