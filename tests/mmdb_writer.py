"""A tiny MaxMind DB (.mmdb) writer for tests, following the MaxMind DB format spec 2.0.

Layout: a binary search tree over the address bits (IPv6 tree, IPv4 networks
live under ``::/96``), 16 zero bytes, the data section, then the metadata
marker and the metadata map.  Records are 24 bits.  Networks must not overlap.
"""

from __future__ import annotations

import ipaddress
import struct
import time
from pathlib import Path
from typing import Any

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
RECORD_BYTES = 3  # 24-bit records


def _control(type_number: int, size: int) -> bytes:
    """Control byte(s): type in the top three bits (or extended), size in the low five."""
    if size < 29:
        size_bits, extra = size, b""
    elif size < 29 + 256:
        size_bits, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        size_bits, extra = 30, struct.pack(">H", size - 285)
    else:
        size_bits, extra = 31, struct.pack(">I", size - 65821)[1:]
    if type_number <= 7:
        return bytes([(type_number << 5) | size_bits]) + extra
    return bytes([size_bits, type_number - 7]) + extra


def _uint(type_number: int, value: int) -> bytes:
    payload = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _control(type_number, len(payload)) + payload


def encode(value: Any) -> bytes:
    if isinstance(value, bool):
        return _control(14, int(value))
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _control(2, len(data)) + data
    if isinstance(value, bytes):
        return _control(4, len(value)) + value
    if isinstance(value, float):
        return _control(3, 8) + struct.pack(">d", value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative integers are not needed here")
        if value < 2**32:
            return _uint(6, value)
        if value < 2**64:
            return _uint(9, value)
        return _uint(10, value)
    if isinstance(value, dict):
        body = b"".join(encode(str(key)) + encode(item) for key, item in value.items())
        return _control(7, len(value)) + body
    if isinstance(value, (list, tuple)):
        return _control(11, len(value)) + b"".join(encode(item) for item in value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class _Node:
    __slots__ = ("children", "data")

    def __init__(self) -> None:
        self.children: list[_Node | int | None] = [None, None]  # a node, a data offset, or empty


def write_database(path: Path, networks: dict[str, dict[str, Any]], database_type: str = "Test-City") -> None:
    """Write ``{cidr: record}`` as an .mmdb file."""
    data = bytearray()
    offsets: dict[bytes, int] = {}
    root = _Node()
    for cidr, record in networks.items():
        network = ipaddress.ip_network(cidr, strict=True)
        if network.version == 4:
            bits, length = int(network.network_address), 96 + network.prefixlen
        else:
            bits, length = int(network.network_address), network.prefixlen
        encoded = encode(record)
        if encoded not in offsets:
            offsets[encoded] = len(data)
            data += encoded
        node = root
        for depth in range(length):
            bit = (bits >> (127 - depth)) & 1
            if depth == length - 1:
                if node.children[bit] is not None:
                    raise ValueError(f"{cidr} overlaps another network")
                node.children[bit] = offsets[encoded]
                break
            child = node.children[bit]
            if isinstance(child, int):
                raise ValueError(f"{cidr} overlaps another network")
            if child is None:
                child = node.children[bit] = _Node()
            node = child

    # Number the nodes breadth first; the root is node 0.
    order: list[_Node] = [root]
    index = {id(root): 0}
    for node in order:
        for child in node.children:
            if isinstance(child, _Node):
                index[id(child)] = len(order)
                order.append(child)
    node_count = len(order)

    def record_value(child: _Node | int | None) -> int:
        if child is None:
            return node_count  # "no data"
        if isinstance(child, _Node):
            return index[id(child)]
        return node_count + 16 + child  # a pointer into the data section

    tree = bytearray()
    for node in order:
        for child in node.children:
            tree += record_value(child).to_bytes(RECORD_BYTES, "big")

    metadata = {
        "node_count": node_count,
        "record_size": RECORD_BYTES * 8,
        "ip_version": 6,
        "database_type": database_type,
        "languages": ["en"],
        "binary_format_major_version": 2,
        "binary_format_minor_version": 0,
        "build_epoch": int(time.time()),
        "description": {"en": "Footfall test database"},
    }
    body = b"".join(
        [
            encode(key) + (_uint(5, value) if key.startswith("binary_format") or key in ("record_size", "ip_version")
                           else _uint(9, value) if key == "build_epoch" else encode(value))
            for key, value in metadata.items()
        ]
    )
    path.write_bytes(bytes(tree) + b"\x00" * 16 + bytes(data) + METADATA_MARKER + _control(7, len(metadata)) + body)


def city_record(country: str, region: str = "", city: str = "") -> dict[str, Any]:
    """A record shaped like GeoLite2-City / DB-IP City Lite."""
    record: dict[str, Any] = {"country": {"iso_code": country, "names": {"en": country}}}
    if region:
        record["subdivisions"] = [{"names": {"en": region}}]
    if city:
        record["city"] = {"names": {"en": city, "de": city + " (de)"}}
    return record


def write_city_database(path: Path, networks: dict[str, tuple[str, str, str]]) -> Path:
    write_database(path, {cidr: city_record(*values) for cidr, values in networks.items()})
    return path
