#!/usr/bin/python3
"""Printery's reference client for Python: publish deployment events, read streams in a consumer group, decode.

It knows only what every Printery client may rely on: the event schema (proto/deployment_events.proto, compiled with
protoc when the client starts) and the stream entry layout (README.md, "Streams"): each entry has the plain-string
fields type, event_id, deployment_id and correlation_id, then payload, the serialized DeploymentEvent.

    import printery_client
    client = printery_client.Client.connect("redis://127.0.0.1:6379", proto_dir="proto")
    pb = client.pb                                  # the generated deployment_events_pb2 module
    entry_id = client.publish(pb.DeploymentEvent(type="deployment:started", deployment_id="dep-1",
        deployment_started=pb.DeploymentStartedEvent(version="v1.4.0", environment="staging", services=["api"])))
    for entry in client.read_group(["materi:events:deployment"], group="my-service", consumer="host-1"):
        if entry.event is not None:
            handle(entry.event)                    # then ack: an entry not acked is read again (at-least-once)
        client.ack(entry, group="my-service")

Command line (what Printery's interop test drives):

    printery_client.py --redis URL --proto-dir DIR publish TYPE DEPLOYMENT_ID [--stream S] [--payload JSON]
        Publishes one event (JSON: the payload field with proto names, e.g. {"deployment_started": {...}}) on its
        type's stream or --stream; prints the entry id, then the event id.
    printery_client.py --redis URL --proto-dir DIR decode STREAM ENTRY_ID
        Prints that entry's event as JSON with proto field names.
    printery_client.py --redis URL --proto-dir DIR consume --group G --consumer C [--count N] STREAM [STREAM ...]
        Reads up to N entries (default 10) in the group, prints each event as a JSON line, acks them.
"""
import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Dict, List, NamedTuple, Optional

import redis
from google.protobuf import json_format
from google.protobuf.message import DecodeError

# Printery's default stream names (application.properties, printery.streams.*); deployments may rename them.
STREAMS = {
    "deployment": "materi:events:deployment",
    "validation": "materi:events:deployment:validation",
    "dependency": "materi:events:deployment:dependency",
    "health": "materi:events:deployment:health",
}

# The entry layout, in field order.
FIELD_TYPE = "type"
FIELD_EVENT_ID = "event_id"
FIELD_DEPLOYMENT_ID = "deployment_id"
FIELD_CORRELATION_ID = "correlation_id"
FIELD_PAYLOAD = "payload"


def compile_proto(proto_dir: str, out_dir: str):
    """Generates deployment_events_pb2 into out_dir with protoc and imports it."""
    subprocess.run(["protoc", "--proto_path=" + proto_dir, "--python_out=" + out_dir, "deployment_events.proto"],
                   check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module("deployment_events_pb2")


class Entry(NamedTuple):
    """One stream entry read in a group: the event, or why it could not be decoded (then event is None)."""
    stream: str
    entry_id: str
    event: object
    error: Optional[str] = None


class InvalidEntry(Exception):
    """An entry that is not a Printery event: no payload, not a DeploymentEvent, or fields that contradict it."""


class Client:
    """Publishes and reads Printery's streams on one Redis. Thread-safe as redis-py's client is."""

    def __init__(self, redis_client: redis.Redis, pb, streams: Optional[Dict[str, str]] = None):
        self.redis = redis_client
        self.pb = pb
        self.streams = dict(STREAMS if streams is None else streams)
        # Per (group, consumer, stream): where the re-read of its own pending entries goes on ("0" at first), or
        # None once that backlog was read since this client started.
        self._pending_from = {}

    @classmethod
    def connect(cls, url: str, proto_dir: str, streams: Optional[Dict[str, str]] = None) -> "Client":
        """A client for the Redis at url, with the event classes compiled from proto_dir (kept for the process)."""
        out_dir = tempfile.mkdtemp(prefix="printery-proto-")
        return cls(redis.Redis.from_url(url), compile_proto(proto_dir, out_dir), streams)

    def stream_for(self, event_type: str) -> str:
        """The stream an event type is published on, as Printery's own publisher chooses it."""
        if event_type.startswith("validation:"):
            return self.streams["validation"]
        if event_type.startswith("dependency:check:"):
            return self.streams["dependency"]
        if event_type.startswith("health:check:"):
            return self.streams["health"]
        return self.streams["deployment"]

    def priority_for(self, event_type: str) -> int:
        """Failure and rollback events are CRITICAL, stage events HIGH, the rest NORMAL (as Printery sets them)."""
        if event_type == "deployment:failed" or event_type.startswith("rollback:"):
            return self.pb.PRIORITY_CRITICAL
        if event_type.startswith("deployment:stage:"):
            return self.pb.PRIORITY_HIGH
        return self.pb.PRIORITY_NORMAL

    def publish(self, event, stream: Optional[str] = None) -> str:
        """XADDs the event in the entry layout, filling what Printery's publisher fills: a UUID event id, the
        timestamp (epoch ms), a correlation id and the priority of its type. Returns the entry id."""
        if not event.type or not event.deployment_id:
            raise ValueError("an event needs a type and a deployment_id")
        if not event.event_id:
            event.event_id = str(uuid.uuid4())
        if not event.timestamp:
            event.timestamp = int(time.time() * 1000)
        if not event.correlation_id:
            event.correlation_id = str(uuid.uuid4())
        event.priority = self.priority_for(event.type)
        entry_id = self.redis.xadd(stream or self.stream_for(event.type), {
            FIELD_TYPE: event.type,
            FIELD_EVENT_ID: event.event_id,
            FIELD_DEPLOYMENT_ID: event.deployment_id,
            FIELD_CORRELATION_ID: event.correlation_id,
            FIELD_PAYLOAD: event.SerializeToString(),
        })
        return entry_id.decode()

    def decode(self, fields: Dict[bytes, bytes]):
        """The event of an entry's fields. The payload is the truth: a type or event_id field that is set and
        disagrees with it makes the entry invalid; missing or empty fields are taken from the payload."""
        payload = fields.get(FIELD_PAYLOAD.encode())
        if not payload:
            raise InvalidEntry("no payload field")
        try:
            event = self.pb.DeploymentEvent.FromString(payload)
        except DecodeError as e:
            raise InvalidEntry("payload is not a DeploymentEvent: %s" % e) from e
        if not event.type:
            raise InvalidEntry("payload has no type")
        for name, value in ((FIELD_TYPE, event.type), (FIELD_EVENT_ID, event.event_id)):
            field = fields.get(name.encode(), b"").decode()
            if field and field != value:
                raise InvalidEntry("entry field %s %r disagrees with the payload's %r" % (name, field, value))
        return event

    def read_group(self, streams: List[str], group: str, consumer: str, count: int = 10,
                   block_ms: int = 2000) -> List[Entry]:
        """Reads up to count entries per stream as consumer of group (created at the streams' start when missing).

        The first read of each stream since this client started returns the consumer's own pending entries: what a
        previous run read and did not ack. After that, new entries, waiting up to block_ms for one. Entries come in
        entry id order (the order Redis added them) across the streams. Ack each one once handled; an entry that
        cannot be decoded comes with event None and error set (ack it, or leave it pending for a look).
        """
        for stream in streams:
            self._ensure_group(stream, group)
        backlog = {s: self._pending_from.get((group, consumer, s), "0") for s in streams}
        backlog = {s: start for s, start in backlog.items() if start is not None}
        if backlog:
            reply = self.redis.xreadgroup(group, consumer, backlog, count=count) or []
            read = {_text(name): [_text(entry_id) for entry_id, _ in messages] for name, messages in reply}
            for stream in backlog:
                ids = read.get(stream, [])
                # Fewer than count came back: that stream's backlog is read; else go on after the last one.
                self._pending_from[(group, consumer, stream)] = ids[-1] if len(ids) >= count else None
            entries = self._entries(reply, group)
            if entries:
                return entries
        reply = self.redis.xreadgroup(group, consumer, {s: ">" for s in streams}, count=count, block=block_ms)
        return self._entries(reply, group)

    def ack(self, entry: Entry, group: str) -> None:
        self.redis.xack(entry.stream, group, entry.entry_id)

    def _ensure_group(self, stream: str, group: str) -> None:
        try:
            self.redis.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def _entries(self, reply, group: str) -> List[Entry]:
        entries = []
        for stream_name, messages in reply or []:
            stream = _text(stream_name)
            for entry_id, fields in messages:
                entry_id = _text(entry_id)
                if not fields:
                    # A pending entry that was trimmed or deleted: nothing left to handle.
                    self.redis.xack(stream, group, entry_id)
                    continue
                try:
                    entries.append(Entry(stream, entry_id, self.decode(fields)))
                except InvalidEntry as e:
                    entries.append(Entry(stream, entry_id, None, str(e)))
        entries.sort(key=lambda e: tuple(int(part) for part in e.entry_id.split("-")))
        return entries


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _to_json(pb_message) -> str:
    return json_format.MessageToJson(pb_message, preserving_proto_field_name=True, indent=None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Printery's reference client for Python.")
    parser.add_argument("--redis", required=True, help="redis:// URL")
    parser.add_argument("--proto-dir", required=True, help="the directory of deployment_events.proto")
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish")
    publish.add_argument("type")
    publish.add_argument("deployment_id")
    publish.add_argument("--stream")
    publish.add_argument("--payload", default="{}", help='JSON, e.g. {"deployment_started": {"version": "v1"}}')
    decode = commands.add_parser("decode")
    decode.add_argument("stream")
    decode.add_argument("entry_id")
    consume = commands.add_parser("consume")
    consume.add_argument("--group", required=True)
    consume.add_argument("--consumer", required=True)
    consume.add_argument("--count", type=int, default=10)
    consume.add_argument("streams", nargs="+")
    args = parser.parse_args(argv)

    client = Client.connect(args.redis, args.proto_dir)
    if args.command == "publish":
        event = json_format.Parse(args.payload, client.pb.DeploymentEvent())
        event.type = args.type
        event.deployment_id = args.deployment_id
        print(client.publish(event, args.stream))
        print(event.event_id)
    elif args.command == "decode":
        entries = client.redis.xrange(args.stream, min=args.entry_id, max=args.entry_id)
        if not entries:
            print("no entry %s on %s" % (args.entry_id, args.stream), file=sys.stderr)
            return 1
        try:
            print(_to_json(client.decode(entries[0][1])))
        except InvalidEntry as e:
            print("entry %s on %s: %s" % (args.entry_id, args.stream, e), file=sys.stderr)
            return 1
    else:
        for entry in client.read_group(args.streams, args.group, args.consumer, count=args.count, block_ms=1000):
            print(_to_json(entry.event) if entry.event is not None else json.dumps({"error": entry.error}))
            client.ack(entry, args.group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
