"""Tests of the reference client against a real Redis: PRINTERY_REDIS_URL (default redis://127.0.0.1:6379).

    cd clients/python && PRINTERY_REDIS_URL=redis://127.0.0.1:6379 /usr/bin/python3 -m unittest -v

Every test works on streams of its own (random names) and deletes them afterwards.
"""
import os
import time
import unittest
import uuid

import printery_client

REDIS_URL = os.environ.get("PRINTERY_REDIS_URL", "redis://127.0.0.1:6379")
PROTO_DIR = os.environ.get("PRINTERY_PROTO_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto"))


class ClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.client = printery_client.Client.connect(REDIS_URL, PROTO_DIR)
        cls.pb = cls.client.pb

    def setUp(self):
        prefix = "printery-python-test:" + str(uuid.uuid4())
        self.streams = {name: prefix + ":" + name for name in ("deployment", "validation", "dependency", "health")}
        self.client = printery_client.Client(self.__class__.client.redis, self.pb, self.streams)
        self.group = "group-" + uuid.uuid4().hex[:8]

    def tearDown(self):
        self.client.redis.delete(*self.streams.values())

    def started(self, deployment_id="dep-1"):
        return self.pb.DeploymentEvent(type="deployment:started", deployment_id=deployment_id,
                                       deployment_started=self.pb.DeploymentStartedEvent(
                                           version="v1.4.0", environment="staging", services=["api", "shield"]))

    def test_publish_writes_the_entry_layout_on_the_types_stream(self):
        event = self.started()
        entry_id = self.client.publish(event)

        [(read_id, fields)] = self.client.redis.xrange(self.streams["deployment"])
        self.assertEqual(entry_id, read_id.decode())
        self.assertEqual([b"type", b"event_id", b"deployment_id", b"correlation_id", b"payload"], list(fields))
        self.assertEqual(b"deployment:started", fields[b"type"])
        self.assertEqual(36, len(event.event_id), "a UUID event id")
        self.assertEqual(event.event_id.encode(), fields[b"event_id"])
        self.assertTrue(event.timestamp > 0 and event.correlation_id)
        decoded = self.client.decode(fields)
        self.assertEqual(event, decoded)
        self.assertEqual(self.pb.PRIORITY_NORMAL, decoded.priority)
        self.assertEqual(["api", "shield"], list(decoded.deployment_started.services))

    def test_each_type_goes_to_its_stream_with_its_priority(self):
        self.assertEqual(self.streams["validation"], self.client.stream_for("validation:completed"))
        self.assertEqual(self.streams["dependency"], self.client.stream_for("dependency:check:started"))
        self.assertEqual(self.streams["health"], self.client.stream_for("health:check:completed"))
        self.assertEqual(self.streams["deployment"], self.client.stream_for("deployment:stage:railway:completed"))
        self.assertEqual(self.pb.PRIORITY_CRITICAL, self.client.priority_for("rollback:initiated"))
        self.assertEqual(self.pb.PRIORITY_HIGH, self.client.priority_for("deployment:stage:railway:started"))

    def test_a_group_reads_every_stream_in_id_order_and_acked_entries_are_done(self):
        # Entries of two streams added in the same millisecond can get the same id, and then no order between them
        # is defined: the pauses make the three ids differ.
        first = self.client.publish(self.started("dep-a"))
        time.sleep(0.002)
        second = self.client.publish(self.pb.DeploymentEvent(
            type="validation:started", deployment_id="dep-a",
            validation_started=self.pb.ValidationStartedEvent(checks=["images_exist"])))
        time.sleep(0.002)
        third = self.client.publish(self.started("dep-b"))
        streams = [self.streams["deployment"], self.streams["validation"]]

        entries = self.client.read_group(streams, self.group, "c1", block_ms=100)
        self.assertEqual([first, second, third], [e.entry_id for e in entries])
        self.assertEqual(["deployment:started", "validation:started", "deployment:started"], [e.event.type for e in entries])
        for entry in entries:
            self.client.ack(entry, self.group)
        for stream in streams:
            self.assertEqual(0, self.client.redis.xpending(stream, self.group)["pending"])
        self.assertEqual([], self.client.read_group(streams, self.group, "c1", block_ms=100))

    def test_an_entry_not_acked_comes_back_to_its_consumer_after_a_restart(self):
        entry_id = self.client.publish(self.started())
        stream = [self.streams["deployment"]]
        [entry] = self.client.read_group(stream, self.group, "c1", block_ms=100)
        self.assertEqual(entry_id, entry.entry_id)

        restarted = printery_client.Client(self.client.redis, self.pb, self.streams)
        [again] = restarted.read_group(stream, self.group, "c1", block_ms=100)
        self.assertEqual(entry_id, again.entry_id)
        restarted.ack(again, self.group)
        self.assertEqual([], restarted.read_group(stream, self.group, "c1", block_ms=100))

    def test_consumers_of_one_group_share_the_entries(self):
        ids = [self.client.publish(self.started("dep-%d" % i)) for i in range(4)]
        stream = [self.streams["deployment"]]
        a = self.client.read_group(stream, self.group, "a", count=2, block_ms=100)
        b = self.client.read_group(stream, self.group, "b", count=2, block_ms=100)
        self.assertEqual(ids, [e.entry_id for e in a + b])

    def test_an_entry_that_is_no_printery_event_is_reported_not_raised(self):
        stream = self.streams["deployment"]
        self.client.redis.xadd(stream, {"type": "deployment:started", "payload": b"\xff\xff not protobuf"})
        event = self.started()
        event.event_id = str(uuid.uuid4())
        event.timestamp = 1
        self.client.redis.xadd(stream, {"type": "deployment:failed", "event_id": event.event_id,
                                        "payload": event.SerializeToString()})
        # No type field: the payload says what it is.
        self.client.redis.xadd(stream, {"payload": event.SerializeToString()})

        garbage, contradicting, untyped = self.client.read_group([stream], self.group, "c1", block_ms=100)
        self.assertIsNone(garbage.event)
        self.assertIn("not a DeploymentEvent", garbage.error)
        self.assertIsNone(contradicting.event)
        self.assertIn("disagrees with the payload", contradicting.error)
        self.assertEqual("deployment:started", untyped.event.type)
        for entry in (garbage, contradicting, untyped):
            self.client.ack(entry, self.group)
        self.assertEqual(0, self.client.redis.xpending(stream, self.group)["pending"])


if __name__ == "__main__":
    unittest.main()
