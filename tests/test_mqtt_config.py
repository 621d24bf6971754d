"""MQTT destinations, pure: a URL and config text in, a destination or one clear line out."""

from __future__ import annotations

import pytest

from score.core import destinations, destinations_handoff
from score.core.destinations import ConfigError, from_cli
from score.core.mqtt_address import MqttAddress, mqtt_address


def toml(*tables: str) -> str:
    return "".join(f"[[destinations]]\n{table}\n" for table in tables)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("mqtt://broker:1883/score/court1", MqttAddress("broker", 1883, "score/court1", False)),
        ("mqtt://broker/score", MqttAddress("broker", 1883, "score", False)),
        ("mqtts://broker/score/", MqttAddress("broker", 8883, "score", True)),
        ("MQTTS://[::1]:8884/a/b", MqttAddress("::1", 8884, "a/b", True)),
    ],
)
def test_a_broker_url_gives_host_port_prefix_and_tls(url: str, address: MqttAddress) -> None:
    assert mqtt_address(url) == address
    assert address.events_topic == f"{address.prefix}/events"
    assert address.state_topic == f"{address.prefix}/state"
    (found,) = from_cli([url], None, "/", {})
    assert (found.kind, found.target, found.name) == ("mqtt", url, destinations.redact_url(url))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mqtt://broker", "mqtt://broker: an MQTT URL needs a topic prefix"),
        ("mqtt://broker:1883/", "needs a topic prefix: mqtt://broker:1883/score/court1"),
        ("mqtt://broker:70000/x", "mqtt://broker:70000/x: bad port"),
        ("mqtt://broker:web/x", "bad port; write it like mqtt://broker:1883/PREFIX"),
        ("mqtt://broker:0/x", "bad port 0"),
        ("mqtt:///x", "needs a host"),
        ("mqtt://u:hunter22@broker/x", "mqtt://broker/x: no credentials in an MQTT URL"),
        ("mqtt://broker/x?password=hunter22", "no query"),
        ("mqtt://broker/a/#", "may not hold +, #"),
        ("mqtt://broker/a/%2B", "may not hold +, #"),
        ("mqtt://broker/a//b", "empty levels"),
        ("mqttx://broker/a", "unknown destination scheme 'mqttx'"),
    ],
)
def test_a_bad_broker_url_is_one_line_without_secrets(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_cli([url], None, "/", {})
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert "hunter22" not in message


def test_credentials_come_from_the_config_or_the_environment_and_are_never_shown() -> None:
    env = {"COURT_PW": "hunter22"}
    (plain, from_env) = from_cli(
        [],
        toml(
            'url = "mqtt://b/c1"\nusername = "court1"\npassword = "s3cret"',
            'url = "mqtts://b/c2"\nname = "league"\nusername = "c2"\npassword_env = "COURT_PW"\n'
            'events = ["CLOCK_EXPIRED"]',
        ),
        "/",
        env,
    )
    assert (plain.username, plain.password) == ("court1", "s3cret")
    assert (from_env.name, from_env.password) == ("league", "hunter22")
    assert from_env.wants("CLOCK_EXPIRED") and not from_env.wants("CLOCK_SET")
    assert "s3cret" not in repr(plain) and "hunter22" not in repr(from_env)
    # Handed to the pusher (in its 0600 file) and back, unchanged.
    handed = destinations_handoff.decode(destinations_handoff.encode([plain, from_env]))
    assert handed == [plain, from_env]
    (to,) = from_cli(
        ["mqtt://b/c3"], None, "/", {"SCORE_MQTT_USERNAME": "c3", "SCORE_MQTT_PASSWORD": "pw3"}
    )
    assert (to.username, to.password) == ("c3", "pw3")
    (anonymous,) = from_cli(["mqtt://b/c3"], None, "/", {})
    assert (anonymous.username, anonymous.password) == ("", "")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('url = "mqtt://b/c"\npassword_env = "NOPE"\nusername = "u"', "NOPE, which is not set"),
        ('url = "mqtt://b/c"\npassword = "p"', "a password needs a username"),
        ('url = "mqtt://b/c"\nusername = "u"\npassword = "p"\npassword_env = "X"', "not both"),
        ('url = "mqtt://b/c"\nsecret = "whsec_x"', "not a secret"),
        ('url = "mqtt://b/c"\nretry = ["1s"]', "retried until it answers"),
        ('url = "https://h/x"\nsecret_env = "S"\nusername = "u"', "are for mqtt:// URLs"),
        ('url = "mqtt://b/c"\nusername = 3', "username must be a string"),
    ],
)
def test_a_bad_broker_config_is_one_line(table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        from_cli([], toml(table), "/", {"S": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
