"""Exception types shared by every gridsim module."""

from __future__ import annotations


class GridsimError(Exception):
    """Base class of every error gridsim raises on purpose."""


class InputError(GridsimError, ValueError):
    """Bad input: names the source, the element, the field and the value.

    The message reads ``<source>: <table> '<element>': <field> <problem>, got <value>``,
    for example ``networks/ningxia_2025.toml: line 'helanshan-shahu': x_ohm_per_km
    must be > 0, got -0.27``.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        table: str | None = None,
        element: object | None = None,
        field: str | None = None,
        value: object | None = None,
        show_value: bool = True,
    ) -> None:
        self.problem = problem
        self.source = source
        self.table = table
        self.element = element
        self.field = field
        self.value = value
        parts: list[str] = []
        if source:
            parts.append(f"{source}: ")
        if table is not None:
            parts.append(f"{table} '{element}': " if element is not None else f"{table}: ")
        if field:
            parts.append(f"{field} ")
        parts.append(problem)
        if show_value and value is not None:
            parts.append(f", got {value!r}")
        super().__init__("".join(parts))

    def with_source(self, source: str) -> InputError:
        """Return a copy of this error that names ``source`` (a file path)."""
        return InputError(
            self.problem,
            source=source,
            table=self.table,
            element=self.element,
            field=self.field,
            value=self.value,
            show_value=self.value is not None,
        )
