"""The wire format: the one place that knows JSON and the shape of messages.

Both the HTTP API and the WebSocket speak the same messages (DESIGN section 3):
`{"state": {...}}` from server to client, `{"command": ...}` from client to server,
and `{"error": {"code", "message"}}` for anything refused. The JSON codec is strict:
NaN and Infinity are not JSON and are refused on the way in.
"""

from __future__ import annotations

import json
from typing import Any

from score.core.clock import Clock, remaining_at
from score.core.errors import ScoreError
from score.core.events import GamePaused, GameStarted
from score.core.game_clocks import penalty_remaining, shot_remaining, shown_ms
from score.core.game_events import (
    Horn,
    PenaltyStarted,
    PeriodStarted,
    PointsScored,
    PossessionSet,
    ShotClockSet,
    TeamFoul,
    TeamNamed,
    TimeoutTaken,
)
from score.core.game_state import TEAMS, GameState
from score.core.rules import to_mapping
from score.core.tenths import display_seconds

MAX_MESSAGE_BYTES = 64 * 1024
"""The largest command message or HTTP body accepted."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for the process: json.loads with parse_constant would build a new
# decoder on every call, which is most of the cost of replaying a long history.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode(text: str | bytes) -> Any:
    """Parse JSON strictly, raising ScoreError("bad_json", ...) on anything else."""
    try:
        if isinstance(text, bytes | bytearray):
            text = text.decode("utf-8")
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError and JSONDecodeError are both ValueErrors.
        raise ScoreError("bad_json", f"not valid JSON: {str(exc)[:120]}") from None


def encode(message: dict[str, Any]) -> str:
    """Serialise a message compactly; never emits NaN or Infinity."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def state_fields(game: GameState | Clock, now: int) -> dict[str, Any]:
    """The state at instant `now`: `seconds` and `running`, plus what a display
    needs to draw tenths smoothly between messages (the exact remaining time at the
    server's instant `server_time_ms`), plus section 8's fields in a game (a plain
    clock's state has exactly the keys it had before the game model)."""
    if isinstance(game, Clock):
        game = GameState(clock=game)
    clock = game.clock
    remaining = remaining_at(clock, now)
    fields: dict[str, Any] = {
        "seconds": display_seconds(shown_ms(game, now)),
        "running": clock.running,
        "remaining_ms": remaining,
        "server_time_ms": now,
        "last_event_id": clock.last_event_id,
    }
    if not game.rules.is_clock:
        fields |= game_fields(game, now)
    return fields


def game_fields(game: GameState, now: int) -> dict[str, Any]:
    """Section 8's part of the state."""
    rules = game.rules
    teams = {}
    for name in TEAMS:
        team = game.team(name)
        teams[name] = {
            "name": team.name,
            "color": team.color,
            "score": team.score,
            "fouls": team.fouls,
            "bonus": rules.bonus_from is not None and team.fouls >= rules.bonus_from - 1,
            "timeouts_left": max(0, rules.timeouts_for(game.period) - team.timeouts_taken),
        }
    shot = shot_remaining(game, now)
    return {
        "rules": to_mapping(rules),
        "period": game.period,
        "period_ms": rules.period_ms(game.period),
        "teams": teams,
        "shot_clock": None
        if shot is None
        else {
            "seconds": display_seconds(shot),
            "remaining_ms": shot,
            "running": clock_runs_shot(game),
        },
        "penalties": [
            {
                "id": p.id,
                "team": p.team,
                "player": p.player,
                "seconds": p.seconds,
                "remaining": display_seconds(penalty_remaining(game, p, now)),
                "remaining_ms": penalty_remaining(game, p, now),
            }
            for p in game.penalties
        ],
        "possession": game.possession,
        "horn": None if game.horn is None else {"at_ms": game.horn[0], "reason": game.horn[1]},
        "undo_available": len(game.undo),
        "undo_next": undo_next(game),
    }


def undo_next(game: GameState) -> dict[str, Any] | None:
    """What `undo` would revert, for the console's "Undo: Hawks +3": the operator
    event the latest undo frame keeps. `kind` is score, foul, timeout, team,
    period, penalty, possession, horn, start, pause, shot_clock or clock."""
    if not game.undo:
        return None
    frame = game.undo[-1]
    note: dict[str, Any] = {"event_id": frame.event_id}
    match frame.data:
        case PointsScored(team, points):
            return note | {"kind": "score", "team": team, "points": points}
        case TeamFoul(team, delta):
            return note | {"kind": "foul", "team": team, "delta": delta}
        case TimeoutTaken(team):
            return note | {"kind": "timeout", "team": team}
        case TeamNamed(team):
            return note | {"kind": "team", "team": team}
        case PeriodStarted(period):
            return note | {"kind": "period", "period": period}
        case PenaltyStarted(team, player):
            return note | {"kind": "penalty", "team": team, "player": player}
        case PossessionSet(team):
            return note | {"kind": "possession", "team": team}
        case Horn():
            return note | {"kind": "horn"}
        case GameStarted():
            return note | {"kind": "start"}
        case GamePaused():
            return note | {"kind": "pause"}
        case ShotClockSet():
            return note | {"kind": "shot_clock"}
    return note | {"kind": "clock"}  # a set or a nudge


def clock_runs_shot(game: GameState) -> bool:
    return game.clock.running and game.shot is not None and not game.shot.expired


def state_message(
    clock: GameState | Clock,
    now: int,
    pusher_status: str,
    request_id: Any = None,
    pusher_detail: str | None = None,
    destinations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`{"state": {...}}`, echoing the client's command id when it gave one.

    `pusher_detail` says why delivery is not healthy (the last problem the pusher
    reported, or how it died); null while it is. `destinations`, when given, lists
    each destination: name (no secrets), status, behind, dead_letters, last_error."""
    fields = state_fields(clock, now)
    state = {"seconds": fields.pop("seconds"), "running": fields.pop("running")}
    state["pusher_status"] = pusher_status
    state["pusher_detail"] = pusher_detail
    if destinations is not None:
        state["destinations"] = destinations
    message: dict[str, Any] = {"state": state | fields}
    if request_id is not None:
        message["id"] = request_id
    return message


def error_message(error: ScoreError, request_id: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"error": {"code": error.code, "message": error.message}}
    if request_id is not None:
        message["id"] = request_id
    return message


def request_id_of(message: Any) -> Any:
    """The `id` a client attached to a command, if it is a plain JSON scalar."""
    if isinstance(message, dict):
        value = message.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return value if not isinstance(value, str) else value[:128]
    return None
