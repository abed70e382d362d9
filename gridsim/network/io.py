"""Read and write networks in any supported format, chosen by file suffix.

- ``.toml`` / ``.json`` (native, see :mod:`gridsim.network.io_native`); a ``.json``
  written by pandapower (``pandapower.to_json``) is recognised and converted;
- ``.m``: MATPOWER case files (:mod:`gridsim.network.io_matpower`);
- a bare name such as ``ningxia_2025`` resolves to ``networks/<name>.toml``.
"""

from __future__ import annotations

import json
from pathlib import Path

from gridsim.errors import InputError
from gridsim.network.network import Network

NETWORKS_DIR = Path(__file__).resolve().parents[2] / "networks"
"""Where the shipped networks live."""


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


def load_network(name_or_path: str | Path) -> Network:
    """Read a network from a file (``.toml``, ``.json``, ``.m``) or a shipped name."""
    path = resolve_network_path(name_or_path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        from gridsim.network.io_native import read_native

        return read_native(path)
    if suffix == ".json":
        head = path.read_text(encoding="utf-8")[:4096]
        if '"pandapowerNet"' in head or "pandapower" in head[:200]:
            import pandapower as pp

            from gridsim.network.io_pandapower import from_pandapower

            net = from_pandapower(pp.from_json(str(path)))
            net.source = str(path)
            return net
        from gridsim.network.io_native import read_native

        return read_native(path)
    if suffix == ".m":
        from gridsim.network.io_matpower import read_matpower

        return read_matpower(path)
    raise InputError(
        "unsupported network file type (use .toml, .json or .m)",
        source=str(path),
        field="suffix",
        value=suffix,
    )


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
    """Whether ``path`` is a pandapower JSON file."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = json.loads(fh.read())
    except (OSError, json.JSONDecodeError):
        return False
    return isinstance(head, dict) and head.get("_module", "").startswith("pandapower")
