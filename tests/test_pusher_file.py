"""The JSON Lines file destination on a real file system: lock, repair, append."""

from __future__ import annotations

from pathlib import Path

import pytest

from score.core.delivery import encode_batch
from score.core.events import ClockSet, StoredEvent
from score.pusher import jsonl_file
from score.pusher.jsonl_file import DestinationError, DestinationLocked, JsonLinesFile


def events(first: int, last: int) -> list[StoredEvent]:
    return [StoredEvent(i, 1_000 * i, ClockSet(i)) for i in range(first, last + 1)]


def test_a_new_file_starts_at_zero_and_resumes_after_its_last_line(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    first = JsonLinesFile.open(path)
    assert (first.last_id, first.torn_bytes) == (0, 0)
    first.append(encode_batch(events(1, 3)))
    first.close()
    again = JsonLinesFile.open(path)
    assert again.last_id == 3
    again.close()
    assert path.read_bytes() == encode_batch(events(1, 3))


@pytest.mark.parametrize("torn", [b'{"event_id": 4, "ev', b"\x00" * 300, b"{", b" "])
def test_a_torn_last_line_is_dropped(tmp_path: Path, torn: bytes) -> None:
    path = tmp_path / "events.log"
    path.write_bytes(encode_batch(events(1, 3)) + torn)
    opened = JsonLinesFile.open(path)
    assert (opened.last_id, opened.torn_bytes) == (3, len(torn))
    opened.close()
    assert path.read_bytes() == encode_batch(events(1, 3))


def test_a_file_that_is_all_torn_is_emptied(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    path.write_bytes(b'{"event_id": 1, "event_ty')
    opened = JsonLinesFile.open(path)
    assert opened.last_id == 0
    opened.close()
    assert path.read_bytes() == b""


def test_the_last_line_is_found_however_far_back_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_file, "FIRST_WINDOW", 8)
    path = tmp_path / "events.log"
    path.write_bytes(encode_batch(events(1, 40)) + b'{"event_id": 41, "eve')
    opened = JsonLinesFile.open(path)
    assert opened.last_id == 40
    opened.close()


def test_only_one_pusher_holds_a_destination(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    holder = JsonLinesFile.open(path)
    with pytest.raises(DestinationLocked):
        JsonLinesFile.open(path)
    holder.close()
    successor = JsonLinesFile.open(path)
    successor.close()


def test_a_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    path.write_text("shopping list\n")
    with pytest.raises(DestinationError, match="does not end with an event line"):
        JsonLinesFile.open(path)
    assert path.read_text() == "shopping list\n"


def test_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        JsonLinesFile.open(tmp_path / "usb-stick" / "events.log")
    assert not (tmp_path / "usb-stick").exists()


def test_a_replaced_file_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    opened = JsonLinesFile.open(path)
    assert opened.is_current()
    path.rename(tmp_path / "events.log.1")
    assert not opened.is_current()
    path.write_bytes(b"")
    assert not opened.is_current()
    opened.close()
    with pytest.raises(DestinationError):
        opened.append(b"x\n")
