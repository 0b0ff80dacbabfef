"""Routes a views module declares, added to its package's blueprint when the package's
``__init__`` registers the module explicitly (no registration by importing for effect).

A module writes ``routes = Routes()`` and decorates with ``@routes.route(...)``,
``@routes.get``/``@routes.post``, ``@routes.app_template_global(...)`` or
``routes.add_app_template_filter(...)`` exactly as it would on a ``Blueprint``;
``routes.register(bp)`` adds them all, in the order declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class Routes:
    def __init__(self) -> None:
        self._deferred: list[Callable[[Blueprint], None]] = []

    def route(self, rule: str, **options: Any) -> Decorator:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            self._deferred.append(lambda bp: bp.route(rule, **options)(view))
            return view

        return decorator

    def get(self, rule: str, **options: Any) -> Decorator:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Decorator:
        return self.route(rule, methods=["POST"], **options)

    def app_template_global(self, name: str | None = None) -> Decorator:
        def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
            self.add_app_template_global(function, name)
            return function

        return decorator

    def add_app_template_global(
        self, function: Callable[..., Any], name: str | None = None
    ) -> None:
        self._deferred.append(lambda bp: bp.add_app_template_global(function, name))

    def add_app_template_filter(
        self, function: Callable[..., Any], name: str | None = None
    ) -> None:
        self._deferred.append(lambda bp: bp.add_app_template_filter(function, name))

    def register(self, bp: Blueprint) -> None:
        for add in self._deferred:
            add(bp)
