"""Confluent's own Python client against this crate's registry server.

    interop.py produce URL TOPIC   registers the schema and prints one hex payload a line
    interop.py consume URL TOPIC FILE
                                   reads hex payloads (one a line) and prints each value
                                   as JSON with sorted keys

Over HTTPS, REGISTRY_CA names the CA file to trust; REGISTRY_USER_INFO (user:password)
turns on basic authentication.
"""

import json
import os
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "MemberEvent",
        "namespace": "hotel.loyalty",
        "fields": [
            {"name": "member_id", "type": "long"},
            {"name": "name", "type": "string"},
            {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["BASIC", "SILVER", "GOLD"]}},
            {"name": "points", "type": "int"},
            {"name": "email", "type": ["null", "string"], "default": None},
            {"name": "balance", "type": "double"},
        ],
    }
)

RECORDS = [
    {"member_id": 1, "name": "Ada", "level": "GOLD", "points": 1200, "email": "ada@example.com", "balance": 10.5},
    {"member_id": 2, "name": "Grace", "level": "BASIC", "points": 0, "email": None, "balance": 0.0},
    {"member_id": -3, "name": "Zoë ✓", "level": "SILVER", "points": -7, "email": None, "balance": -2.25},
]


def main():
    mode, url, topic = sys.argv[1], sys.argv[2], sys.argv[3]
    config = {"url": url}
    if os.environ.get("REGISTRY_CA"):
        config["ssl.ca.location"] = os.environ["REGISTRY_CA"]
    if os.environ.get("REGISTRY_USER_INFO"):
        config["basic.auth.user.info"] = os.environ["REGISTRY_USER_INFO"]
    client = SchemaRegistryClient(config)
    context = SerializationContext(topic, MessageField.VALUE)
    if mode == "produce":
        serializer = AvroSerializer(client, SCHEMA)
        for record in RECORDS:
            print(serializer(record, context).hex())
    elif mode == "consume":
        deserializer = AvroDeserializer(client)
        with open(sys.argv[4]) as lines:
            for line in lines:
                value = deserializer(bytes.fromhex(line.strip()), context)
                print(json.dumps(value, sort_keys=True, ensure_ascii=False))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
