"""Read and write networks in any supported format.

The format of a file is decided by its content (or given as ``format=``), never by its
name:

- a JSON object whose top level carries pandapower's serialisation tags (``"_module"``,
  ``"_class"``, as ``pandapower.to_json`` writes) is a pandapower network, read as data
  (:mod:`gridsim.network.io_pandapower_json`: nothing the file names is imported);
- any other JSON object, or TOML, is a native network (:mod:`gridsim.network.io_native`);
- a file with a ``function mpc = ...`` line or ``mpc.<field> = ...`` assignments is a
  MATPOWER case (:mod:`gridsim.network.io_matpower`);
- otherwise the suffix decides (``.m`` MATPOWER, ``.json`` JSON, else TOML), so the
  reader of the intended format words the error.

A bare name such as ``ningxia_2025`` resolves to ``networks/<name>.toml``. Every reading
problem (unreadable file, text that is not UTF-8, broken syntax, bad values) is an
:class:`~gridsim.errors.InputError` naming the file.
"""

from __future__ import annotations

from pathlib import Path

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.shipped import shipped_dir

NETWORKS_DIR = shipped_dir("networks")
"""Where the shipped networks live."""

FORMATS = ("native", "pandapower", "matpower")
"""The values of ``format=`` in :func:`load_network`."""


def resolve_network_path(name_or_path: str | Path) -> Path:
    """The file of a network given as a path or as a shipped network's name."""
    p = Path(name_or_path)
    if p.exists():
        return p
    if p.suffix == "" and (NETWORKS_DIR / f"{p.name}.toml").exists():
        return NETWORKS_DIR / f"{p.name}.toml"
    shipped = sorted(x.stem for x in NETWORKS_DIR.glob("*.toml")) if NETWORKS_DIR.exists() else []
    raise InputError(
        f"no such file or shipped network (shipped: {shipped})",
        field="network",
        value=str(name_or_path),
    )


def load_network(name_or_path: str | Path, *, format: str | None = None) -> Network:
    """Read a network from a file or a shipped network's name.

    ``format``: ``"native"`` (TOML or JSON), ``"pandapower"`` (JSON) or ``"matpower"``
    (.m); by default it is decided by the file's content (see the module docstring).
    """
    from gridsim.network.io_text import detect_format, read_text

    if format is not None and format not in FORMATS:
        raise InputError(f"must be one of {FORMATS}", field="format", value=format)
    path = resolve_network_path(name_or_path)
    src = str(path)
    if path.is_dir():
        raise InputError("is a folder, not a network file", source=src, show_value=False)
    text = read_text(path)
    if not text.strip():
        raise InputError("is empty (no network data)", source=src, show_value=False)
    kind = detect_format(text, path.suffix)
    if format == "matpower" or (format is None and kind == "matpower"):
        from gridsim.network.io_matpower import matpower_text_to_network

        return matpower_text_to_network(text, src, name=path.stem)
    if format == "native" and kind == "matpower":
        kind = "json" if text.lstrip().startswith("{") else "toml"
    if format == "pandapower" or kind == "json":
        from gridsim.network.io_text import parse_json

        data = parse_json(text, src)
        from gridsim.network.io_pandapower_json import is_pandapower_data, pandapower_tables

        if format == "pandapower" or (format is None and is_pandapower_data(data)):
            from gridsim.network.io_pandapower import from_pandapower

            net = from_pandapower(pandapower_tables(data, src), source=src)
            net.source = src
            return net
    else:
        from gridsim.network.io_text import parse_toml

        data = parse_toml(text, src)
    from gridsim.network.io_native import network_from_dict

    return network_from_dict(data, source=src)


def save_network(net: Network, path: str | Path) -> None:
    """Write ``net`` to ``path``: ``.toml``/``.json`` native or ``.m`` MATPOWER."""
    path = Path(path)
    if path.suffix == ".m":
        from gridsim.network.io_matpower import write_matpower

        write_matpower(net, path)
        return
    from gridsim.network.io_native import write_native

    write_native(net, path)


def is_pandapower_json(path: Path) -> bool:
    """Whether ``path`` is a pandapower JSON file (by its content)."""
    from gridsim.network.io_pandapower_json import is_pandapower_data
    from gridsim.network.io_text import parse_json, read_text

    try:
        return is_pandapower_data(parse_json(read_text(path), str(path)))
    except InputError:
        return False
