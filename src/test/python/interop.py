#!/usr/bin/python3
"""A non-Java Printery client that knows only proto/deployment_events.proto and the stream entry layout.

    interop.py --redis URL --proto-dir DIR publish STREAM DEPLOYMENT_ID
        XADDs a deployment:started event; prints the entry id, then the event id.
    interop.py --redis URL --proto-dir DIR decode STREAM ENTRY_ID
        Reads one entry and prints its payload as JSON with proto field names.

Generates the Python classes with protoc into a temporary directory, so nothing generated is kept.
"""
import argparse
import importlib
import subprocess
import sys
import tempfile
import time
import uuid

import redis
from google.protobuf import json_format


def load_proto(proto_dir, out_dir):
    subprocess.run(["protoc", "--proto_path=" + proto_dir, "--python_out=" + out_dir, "deployment_events.proto"],
                   check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module("deployment_events_pb2")


def publish(client, pb, stream, deployment_id):
    event = pb.DeploymentEvent(
        event_id=str(uuid.uuid4()),
        type="deployment:started",
        deployment_id=deployment_id,
        correlation_id=str(uuid.uuid4()),
        timestamp=int(time.time() * 1000),
        priority=pb.PRIORITY_NORMAL,
        deployment_started=pb.DeploymentStartedEvent(
            version="v9.8.7", environment="staging", strategy="rolling", services=["api", "web"]),
    )
    entry_id = client.xadd(stream, {
        "type": event.type,
        "event_id": event.event_id,
        "deployment_id": event.deployment_id,
        "correlation_id": event.correlation_id,
        "payload": event.SerializeToString(),
    })
    print(entry_id.decode())
    print(event.event_id)


def decode(client, pb, stream, entry_id):
    entries = client.xrange(stream, min=entry_id, max=entry_id)
    if not entries:
        sys.exit("no entry " + entry_id + " on " + stream)
    fields = entries[0][1]
    event = pb.DeploymentEvent.FromString(fields[b"payload"])
    if fields[b"type"].decode() != event.type:
        sys.exit("entry field type %r differs from payload type %r" % (fields[b"type"], event.type))
    print(json_format.MessageToJson(event, preserving_proto_field_name=True, indent=None))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("command", choices=["publish", "decode"])
    parser.add_argument("stream")
    parser.add_argument("arg")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out_dir:
        pb = load_proto(args.proto_dir, out_dir)
        client = redis.Redis.from_url(args.redis)
        if args.command == "publish":
            publish(client, pb, args.stream, args.arg)
        else:
            decode(client, pb, args.stream, args.arg)


if __name__ == "__main__":
    main()
