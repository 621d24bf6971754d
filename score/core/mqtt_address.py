"""Where an MQTT destination's broker is, from its `mqtt://host:port/PREFIX` URL.

Pure parsing: the host, the port (1883 for mqtt://, 8883 for mqtts:// with TLS), and
the topic prefix under which the pusher publishes PREFIX/events and PREFIX/state.
Credentials never belong in the URL (they would be shown and logged with it): a URL
that carries them is refused, and so is one without a prefix, with a bad port, or
with a prefix holding MQTT wildcards. Every message is one line for the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

MQTT_SCHEMES = {"mqtt": 1883, "mqtts": 8883}
"""Each scheme and its default port."""


class MqttUrlError(ValueError):
    """The URL cannot name a broker; the message is one line for the operator."""


@dataclass(frozen=True)
class MqttAddress:
    """Where a broker is and which topics are ours: PREFIX/events and PREFIX/state."""

    host: str
    port: int
    prefix: str
    tls: bool

    @property
    def events_topic(self) -> str:
        return f"{self.prefix}/events"

    @property
    def state_topic(self) -> str:
        return f"{self.prefix}/state"


def mqtt_address(url: str) -> MqttAddress:
    """The broker and topic prefix of an `mqtt://` or `mqtts://` URL, checked; the
    error's message does not repeat the URL (the caller shows it without secrets)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in MQTT_SCHEMES:
        raise MqttUrlError("an MQTT URL starts with mqtt:// or mqtts://")
    if parts.username is not None or parts.password is not None:
        raise MqttUrlError(
            "no credentials in an MQTT URL; put username and password"
            " (or password_env) in the config, or set SCORE_MQTT_USERNAME and"
            " SCORE_MQTT_PASSWORD"
        )
    if not parts.hostname:
        raise MqttUrlError("an MQTT URL needs a host: mqtt://host:1883/PREFIX")
    try:
        port = parts.port
    except ValueError:
        raise MqttUrlError(
            f"bad port; write it like {scheme}://{parts.hostname}:1883/PREFIX"
        ) from None
    if port == 0:
        raise MqttUrlError("bad port 0")
    if "#" in url:  # a wildcard would be taken for the start of a fragment
        raise MqttUrlError("the topic prefix may not hold +, # or empty levels")
    if parts.query:
        raise MqttUrlError("an MQTT URL has no query")
    prefix = unquote(parts.path).strip("/")
    if not prefix:
        raise MqttUrlError(
            f"an MQTT URL needs a topic prefix:"
            f" {scheme}://{parts.hostname}:{port or MQTT_SCHEMES[scheme]}/score/court1"
        )
    if any(c in prefix for c in "+#\0") or "//" in prefix:
        raise MqttUrlError(f"the topic prefix {prefix!r} may not hold +, # or empty levels")
    return MqttAddress(parts.hostname, port or MQTT_SCHEMES[scheme], prefix, scheme == "mqtts")
