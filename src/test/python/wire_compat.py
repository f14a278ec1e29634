#!/usr/bin/python3
"""Talks to cac-streams with a Kafka + schema registry client the project did not write.

Debian's python3-confluent-kafka (librdkafka) with its legacy ``confluent_kafka.avro`` module
(CachedSchemaRegistryClient + MessageSerializer, on python3-avro), against any Confluent-compatible registry
(Apicurio's /apis/ccompat/v7 in the tests). Run by PythonWireCompatIT with /usr/bin/python3:

  wire_compat.py produce --bootstrap B --registry URL --schemas DIR --spend T --leads T --conversions T --churn T --fx T
      writes the fixed scenario below (schemas registered from DIR under <topic>-value) and prints a JSON summary
  wire_compat.py consume --bootstrap B --registry URL --metrics T --alerts T --deadletter T --expect M,A,D
      reads the three output topics from the beginning (read_committed) until it has M, A and D records (or
      --timeout), decodes every value through the registry and prints them as one JSON document

Only JSON goes to stdout; diagnostics go to stderr.
"""
import argparse
import base64
import datetime
import decimal
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.avro import CachedSchemaRegistryClient, MessageSerializer, load

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
CHANNEL = "py_search"
SCALE4 = decimal.Decimal("0.0001")
SCALE10 = decimal.Decimal("0.0000000001")


def day(d):
    return T0 + datetime.timedelta(days=d)


def money(text):
    # python3-avro 1.11 writes a Decimal's digits as they are: Decimal("12.34") in a scale-4 field is read back as
    # 0.1234. Every amount must carry exactly the schema's scale, hence the quantize.
    return decimal.Decimal(text).quantize(SCALE4)


def millis(dt):
    return int(dt.timestamp() * 1000)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def scenario(t):
    """(topic, key, record) in the order they are sent; the rate first, as cac-streams asks."""
    events = [(t.fx, "EUR", {"currency": "EUR", "rateToReporting": decimal.Decimal("1.1").quantize(SCALE10),
                             "validFrom": day(0)})]
    # the channel's first spend, before the 7-day window: the window is past its warm-up, so alerts are evaluated
    events.append((t.spend, CHANNEL, {"eventId": "py-s-0", "channel": CHANNEL, "campaign": None,
                                      "amount": money("10"), "currency": "USD", "category": "MEDIA",
                                      "occurredAt": day(1)}))
    for i in range(10):  # the customer base, outside the 7-day window
        events.append((t.conversions, "old-%d" % i, {
            "eventId": "py-c-old-%d" % i, "customerId": "old-%d" % i, "leadId": None, "channel": CHANNEL,
            "campaign": None, "monthlyRevenue": money("40"), "currency": "USD", "grossMargin": None,
            "occurredAt": day(1 + i * 0.01)}))
    spend1 = {"eventId": "py-s-1", "channel": CHANNEL, "campaign": "brand", "amount": money("1000.1234"),
              "currency": "USD", "category": "MEDIA", "occurredAt": day(10)}
    events.append((t.spend, CHANNEL, spend1))
    events.append((t.spend, CHANNEL, {"eventId": "py-s-2", "channel": CHANNEL, "campaign": None,
                                      "amount": money("500.5"), "currency": "EUR", "category": "SALES",
                                      "occurredAt": day(10.1)}))
    events.append((t.spend, CHANNEL, dict(spend1)))  # a duplicate: counted once
    events.append((t.spend, CHANNEL, {"eventId": "py-s-neg", "channel": CHANNEL, "campaign": None,
                                      "amount": money("-5"), "currency": "USD", "category": "OTHER",
                                      "occurredAt": day(10.2)}))
    for i, q in enumerate([40, 60, 80, 100, None, 50, 70, 90]):
        events.append((t.leads, "lead-%d" % i, {"eventId": "py-l-%d" % i, "leadId": "lead-%d" % i,
                                                 "channel": CHANNEL, "campaign": None, "qualityScore": q,
                                                 "occurredAt": day(10 + i * 0.05)}))
    for i in range(4):
        events.append((t.conversions, "new-%d" % i, {
            "eventId": "py-c-new-%d" % i, "customerId": "new-%d" % i, "leadId": "lead-%d" % i, "channel": CHANNEL,
            "campaign": None, "monthlyRevenue": money("100"), "currency": "USD", "grossMargin": 0.5,
            "occurredAt": day(10.3 + i * 0.01)}))
    events.append((t.conversions, "new-4", {
        "eventId": "py-c-new-4", "customerId": "new-4", "leadId": None, "channel": CHANNEL, "campaign": None,
        "monthlyRevenue": money("50"), "currency": "EUR", "grossMargin": None, "occurredAt": day(10.35)}))
    events.append((t.churn, "old-0", {"eventId": "py-ch-1", "customerId": "old-0", "reason": "price",
                                      "occurredAt": day(10.5)}))
    events.append((t.churn, "new-0", {"eventId": "py-ch-2", "customerId": "new-0", "reason": None,
                                      "occurredAt": day(10.6)}))
    # event time moves past day 10.6's hour plus the grace (1 h), so that the hour settles: a spend of 0 on a
    # channel of its own, which changes no figure of the others
    events.append((t.spend, "zz_tick", {"eventId": "py-s-tick", "channel": "zz_tick", "campaign": None,
                                        "amount": money("0"), "currency": "USD", "category": "OTHER",
                                        "occurredAt": day(10.7)}))
    return events


def produce(args):
    registry = CachedSchemaRegistryClient({"url": args.registry})
    serializer = MessageSerializer(registry)
    schemas = {
        args.spend: load(args.schemas + "/input/MarketingSpend.avsc"),
        args.leads: load(args.schemas + "/input/Lead.avsc"),
        args.conversions: load(args.schemas + "/input/Conversion.avsc"),
        args.churn: load(args.schemas + "/input/Churn.avsc"),
        args.fx: load(args.schemas + "/input/FxRate.avsc"),
    }
    producer = Producer({"bootstrap.servers": args.bootstrap, "enable.idempotence": True, "acks": "all"})
    errors = []

    def delivered(err, msg):
        if err is not None:
            errors.append("%s: %s" % (msg.topic(), err))

    counts, ids = {}, {}
    for topic, key, record in scenario(args):
        value = serializer.encode_record_with_schema(topic, schemas[topic], record)
        ids[topic] = int.from_bytes(value[1:5], "big")
        at = record.get("occurredAt") or record.get("validFrom")
        producer.produce(topic, key=key.encode("utf-8"), value=value, timestamp=millis(at), on_delivery=delivered)
        counts[topic] = counts.get(topic, 0) + 1
        if topic == args.fx:
            producer.flush(30)  # the rate is acknowledged before any event it prices is sent
    left = producer.flush(30)
    if left or errors:
        log("produce failed: %d not delivered, errors %s" % (left, errors))
        return 1
    subjects = {t: registry.get_latest_schema(t + "-value")[0] for t in schemas}
    print(json.dumps({"produced": counts, "schemaIds": ids, "latestIds": subjects}))
    return 0


def plain(v):
    """An Avro value as JSON: timestamps as epoch millis, bytes as base64, decimals as strings."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return millis(v)
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v


def consume(args):
    expect = dict(zip(("metrics", "alerts", "deadLetters"), (int(n) for n in args.expect.split(","))))
    names = {args.metrics: "metrics", args.alerts: "alerts", args.deadletter: "deadLetters"}
    serializer = MessageSerializer(CachedSchemaRegistryClient({"url": args.registry}))
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "wire-compat-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.subscribe(list(names))
    out = {n: [] for n in names.values()}
    deadline = time.monotonic() + args.timeout
    try:
        while any(len(out[n]) < expect[n] for n in out) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    log("consume error: %s" % msg.error())
                continue
            value = serializer.decode_message(msg.value())  # fetches the writer schema by id from the registry
            key = msg.key()
            out[names[msg.topic()]].append({
                "topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
                "schemaId": int.from_bytes(msg.value()[1:5], "big"),
                "key": None if key is None else base64.b64encode(key).decode("ascii"),
                "value": plain(value)})
    finally:
        consumer.close()
    print(json.dumps(out))
    short = {n: (len(out[n]), expect[n]) for n in out if len(out[n]) < expect[n]}
    if short:
        log("timed out with fewer records than expected (got, expected): %s" % short)
        return 2
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["produce", "consume"])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--schemas")
    for t in ("spend", "leads", "conversions", "churn", "fx", "metrics", "alerts", "deadletter"):
        p.add_argument("--" + t)
    p.add_argument("--expect", default="0,0,0")
    p.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    return produce(args) if args.mode == "produce" else consume(args)


if __name__ == "__main__":
    sys.exit(main())
