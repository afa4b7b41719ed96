"""The write-ahead spool: CRC-framed records, sealed segments, limits, torn tails."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from collector.spool import HEADER, SUFFIX, Spool, SpoolFull


def records(path: Path) -> int:
    data, offset, count = path.read_bytes(), 0, 0
    while offset + HEADER.size <= len(data):
        length, crc = HEADER.unpack_from(data, offset)
        payload = data[offset + HEADER.size: offset + HEADER.size + length]
        assert zlib.crc32(payload) == crc
        offset += HEADER.size + length
        count += 1
    return count


def test_appended_rows_are_read_back_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1 << 20)
    spool.append([[1, "a", None, {"k": "v"}], [2, "ü", 1.5, {}]])
    spool.append([[3, "c", None, {}]])
    spool.seal()
    [segment] = spool.sealed()
    assert segment.suffix == SUFFIX
    assert records(segment) == 2  # one record (one write, one fsync) per group
    assert Spool.read(segment) == [[1, "a", None, {"k": "v"}], [2, "ü", 1.5, {}], [3, "c", None, {}]]


def test_seal_starts_a_new_segment_and_empty_segments_vanish(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1 << 20)
    spool.append([[1]])
    spool.seal()
    spool.append([[2]])
    spool.seal()
    spool.seal()
    assert [Spool.read(path) for path in spool.sealed()] == [[[1]], [[2]]]
    assert len(list(tmp_path.glob("*"))) == 2


def test_depth_and_removal(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1 << 20)
    spool.append([[1, "x" * 100]])
    assert spool.depth_bytes > 100 and spool.depth_segments() == 1
    spool.seal()
    for path in spool.sealed():
        spool.remove(path)
    assert spool.depth_bytes == 0 and spool.depth_segments() == 0
    assert not list(tmp_path.glob(f"*{SUFFIX}"))


def test_the_limit_refuses_instead_of_dropping(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1000)
    spool.append([["x" * 400]])
    with pytest.raises(SpoolFull):
        spool.append([["y" * 700]])
    spool.append([["z" * 100]])  # what still fits is taken
    spool.seal()
    assert [row[0][0] for row in Spool.read(spool.sealed()[0])] == ["x", "z"]
    assert spool.depth_bytes <= 1000


def test_segments_left_behind_are_found_on_start(tmp_path: Path) -> None:
    first = Spool(tmp_path, 1 << 20)
    first.append([[1]])  # never sealed: the process died here
    first.append([[2]])
    second = Spool(tmp_path, 1 << 20)
    [segment] = second.sealed()
    assert Spool.read(segment) == [[1], [2]]
    assert second.depth_bytes == segment.stat().st_size


def test_torn_or_corrupt_tail_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1 << 20)
    spool.append([[1, "a"]])
    spool.append([[2, "b"]])
    spool.seal()
    [segment] = spool.sealed()
    data = segment.read_bytes()
    segment.write_bytes(data[:-3])  # a crash in the middle of the second write
    assert Spool.read(segment) == [[1, "a"]]
    corrupt = bytearray(data)
    corrupt[-2] ^= 0xFF  # a flipped byte fails the CRC
    segment.write_bytes(bytes(corrupt))
    assert Spool.read(segment) == [[1, "a"]]
    segment.write_bytes(data[:5])
    assert Spool.read(segment) == []
