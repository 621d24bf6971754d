"""Destinations: what `--to URL` and a `score.toml` name, parsed and checked (DESIGN 7).

A destination is named by a URL: `file:///abs/path` or a bare path for a JSON Lines
file, `http://` or `https://` for a Standard Webhooks receiver, `mqtt://host:port/PREFIX`
or `mqtts://` (TLS) for an MQTT broker (issue 14). A TOML file adds, per
`[[destinations]]` table, a `name`, the webhook's `secret` (or `secret_env`, the
variable that holds it; several `whsec_` secrets while rotating), an `events` filter
and a `retry` schedule; for a broker, `username` and `password` (or `password_env`),
never in its URL. Everything here is pure: the TOML text, the folder that bare
paths are relative to and the environment are passed in, and every problem is one
`ConfigError` whose message is the one line the operator reads. Secrets never appear
in a name or a message: `name` strips URL credentials and query strings.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from score.core.delivery import destination_name
from score.core.events import EventType
from score.core.mqtt_address import MQTT_SCHEMES, MqttUrlError, mqtt_address

Kind = Literal["file", "webhook", "mqtt"]

DEFAULT_SCHEDULE: tuple[float, ...] = (0, 1, 5, 30, 120, 300, 1800, 3600)
"""Seconds before each attempt of one event; when all have failed it is dead-lettered."""
SECRET_ENV = "SCORE_WEBHOOK_SECRET"
"""Where a webhook named with `--to` takes its secret from."""
MQTT_USERNAME_ENV = "SCORE_MQTT_USERNAME"
MQTT_PASSWORD_ENV = "SCORE_MQTT_PASSWORD"
"""Where a broker named with `--to` takes its credentials from (when they are set)."""
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_KEYS = {"url", "name", "secret", "secret_env", "events", "retry", "pipeline"}
DEFAULT_PIPELINE = 64
"""Webhook POSTs sent ahead of their answers on one connection while all goes well
(1: strictly one at a time, so a receiver never sees a later event before an
earlier one it refused; see docs/delivery.md)."""
_MQTT_KEYS = {"username", "password", "password_env"}


class ConfigError(ValueError):
    """A destination cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class Destination:
    kind: Kind
    target: str
    """An absolute path for a file; the full URL (credentials included) for a webhook."""
    name: str
    """The name shown and used as the key in the deliveries table: never a secret."""
    secrets: tuple[str, ...] = ()
    events: frozenset[str] | None = None
    """Event types to deliver; None = all."""
    schedule: tuple[float, ...] = field(default=DEFAULT_SCHEDULE)
    username: str = ""
    """A broker's user name ("" = none)."""
    password: str = field(default="", repr=False)
    """A broker's password: never shown, never logged."""
    pipeline: int = DEFAULT_PIPELINE
    """A webhook's requests in flight at most (see DEFAULT_PIPELINE)."""

    def wants(self, event_type: str) -> bool:
        return self.events is None or event_type in self.events


def redact_url(url: str) -> str:
    """The URL without user, password or query: safe to show and to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # a bad port: shown as it was written, credentials cut off
        port = ":" + parts.netloc.rpartition("@")[2].rpartition(":")[2][:12]
    return f"{parts.scheme}://{host}{port}{parts.path}"


def parse_duration(text: Any) -> float:
    """`"0s"`, `"250ms"`, `"2m"`, `"1h"` or a number of seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool) and text >= 0:
        return float(text)
    match = _DURATION.match(str(text).strip())
    if match is None:
        raise ConfigError(f"bad duration {str(text)[:40]!r}: write it like 0s, 250ms, 2m or 1h")
    return float(match[1]) * _UNITS[match[2]]


def parse_schedule(value: Any) -> tuple[float, ...]:
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ConfigError('retry must be a list of durations, like ["0s", "1s", "5s"]')
    return tuple(parse_duration(item) for item in items)


def check_secret(secret: str, where: str) -> str:
    """A `whsec_` base64 secret (Standard Webhooks); the error never shows it."""
    body = secret.removeprefix("whsec_")
    if not secret.startswith("whsec_") or not body:
        raise ConfigError(f"{where}: the secret must be whsec_ followed by base64")
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: the secret is not valid base64") from None
    if len(key) < 16:
        raise ConfigError(f"{where}: the secret is too short (at least 16 bytes)")
    return secret


def parse_url(url: str, cwd: str) -> tuple[Kind, str]:
    """(kind, target) of a destination URL; bare paths are relative to `cwd`."""
    if not url:
        raise ConfigError("a destination URL is empty")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ConfigError(f"{redact_url(url)}: a webhook URL needs a host")
        try:
            parts.port  # noqa: B018  (urlsplit checks the port only when asked)
        except ValueError:
            raise ConfigError(f"{redact_url(url)}: the port must be a number up to 65535") from None
        return "webhook", url
    if scheme in MQTT_SCHEMES:
        try:
            mqtt_address(url)
        except MqttUrlError as exc:
            raise ConfigError(f"{redact_url(url)}: {exc}") from None
        return "mqtt", url
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise ConfigError(f"{url}: a file URL is file:///absolute/path")
        return "file", path
    if scheme and len(scheme) > 1 and "://" in url:
        raise ConfigError(
            f"unknown destination scheme {scheme!r} in {redact_url(url)}:"
            " use file:///path, a path, http://, https://, mqtt:// or mqtts://"
        )
    path = url if url.startswith("/") else f"{cwd.rstrip('/')}/{url}"
    return "file", path


def _secrets(table: Mapping[str, Any], environ: Mapping[str, str], where: str) -> tuple[str, ...]:
    if "secret" in table:
        raw = table["secret"]
    elif "secret_env" in table:
        variable = str(table["secret_env"])
        if variable not in environ or not environ[variable].strip():
            raise ConfigError(f"{where}: secret_env names {variable}, which is not set")
        raw = environ[variable]
    else:
        raise ConfigError(f"{where}: a webhook needs a secret (secret or secret_env)")
    items = raw.split() if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where}: secret must be a string (several: space-separated)")
    return tuple(check_secret(item, where) for item in items)


def _credentials(
    table: Mapping[str, Any], environ: Mapping[str, str], where: str
) -> tuple[str, str]:
    """A broker's (username, password); the error never shows the password."""
    username = table.get("username", "")
    if not isinstance(username, str):
        raise ConfigError(f"{where}: username must be a string")
    if "password" in table and "password_env" in table:
        raise ConfigError(f"{where}: give password or password_env, not both")
    if "password_env" in table:
        variable = str(table["password_env"])
        if variable not in environ or not environ[variable]:
            raise ConfigError(f"{where}: password_env names {variable}, which is not set")
        password = environ[variable]
    else:
        password = table.get("password", "")
    if not isinstance(password, str):
        raise ConfigError(f"{where}: password must be a string")
    if password and not username:
        raise ConfigError(f"{where}: a password needs a username")
    return username, password


def _events(value: Any, where: str) -> frozenset[str]:
    known = {str(kind) for kind in EventType}
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: events must be a list of event types")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown event type {unknown[0]!r}; known: {sorted(known)}")
    return frozenset(value)


def destination(
    table: Mapping[str, Any], cwd: str, environ: Mapping[str, str], where: str
) -> Destination:
    """One destination from a `[[destinations]]` table (or a `--to` URL as {"url": ...})."""
    unknown = sorted(set(table) - _KEYS - _MQTT_KEYS)
    if unknown:
        known = sorted(_KEYS | _MQTT_KEYS)
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known: {known}")
    url = table.get("url")
    if not isinstance(url, str):
        raise ConfigError(f"{where}: url is missing")
    kind, target = parse_url(url, cwd)
    if kind != "mqtt" and _MQTT_KEYS & set(table):
        raise ConfigError(f"{where}: username, password and password_env are for mqtt:// URLs")
    shown = redact_url(url) if kind != "file" else destination_name(target)
    name = table.get("name", shown)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: name must be a non-empty string")
    schedule = parse_schedule(table["retry"]) if "retry" in table else DEFAULT_SCHEDULE
    if kind == "file":
        if {"secret", "secret_env", "events", "retry", "pipeline"} & set(table):
            raise ConfigError(
                f"{where}: a file gets every event, exactly once; secret, events and retry"
                " are for webhooks"
            )
        return Destination("file", target, name)
    events = _events(table["events"], where) if "events" in table else None
    if kind == "mqtt":
        if {"secret", "secret_env", "retry", "pipeline"} & set(table):
            raise ConfigError(
                f"{where}: a broker takes username and password, not a secret; it is"
                " retried until it answers (no retry schedule: nothing is dead-lettered)"
            )
        username, password = _credentials(table, environ, where)
        return Destination("mqtt", target, name, (), events, DEFAULT_SCHEDULE, username, password)
    secrets = _secrets(table, environ, where)
    pipeline = table.get("pipeline", DEFAULT_PIPELINE)
    if isinstance(pipeline, bool) or not isinstance(pipeline, int) or not 1 <= pipeline <= 64:
        raise ConfigError(f"{where}: pipeline must be a whole number from 1 to 64")
    return Destination("webhook", target, name, secrets, events, schedule, pipeline=pipeline)


def from_cli(
    urls: Sequence[str], config_text: str | None, cwd: str, environ: Mapping[str, str]
) -> list[Destination]:
    """Every destination named by `--to` URLs and a config file's text, checked."""
    found: list[Destination] = []
    for url in urls:
        table: dict[str, Any] = {"url": url}
        kind = parse_url(url, cwd)[0]
        if kind == "webhook":
            table["secret_env"] = SECRET_ENV
        elif kind == "mqtt" and environ.get(MQTT_USERNAME_ENV):
            table["username"] = environ[MQTT_USERNAME_ENV]
            if environ.get(MQTT_PASSWORD_ENV):
                table["password_env"] = MQTT_PASSWORD_ENV
        found.append(destination(table, cwd, environ, f"--to {redact_url(url)}"))
    if config_text is not None:
        found += from_toml(config_text, cwd, environ)
    names = [item.name for item in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"two destinations are named {duplicates[0]}: give each its own name")
    return found


def from_toml(text: str, cwd: str, environ: Mapping[str, str]) -> list[Destination]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config is not valid TOML: {exc}") from None
    tables = document.get("destinations", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError("destinations must be [[destinations]] tables")
    return [
        destination(table, cwd, environ, f"destination {index + 1}")
        for index, table in enumerate(tables)
    ]
