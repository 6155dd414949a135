"""Drives Confluent's own Python client (confluent-kafka) against a schema registry, for
Backbeat's third-party interoperability tests. One command per run; prints one JSON object.

usage: registry_interop.py <registry-url> <command> [args...]
  register    <subject> <schema-json>          -> {"id": n}
  get-schema  <id>                             -> {"schema": "..."}
  latest      <subject>                        -> {"id": n, "version": n, "schema": "..."}
  lookup      <subject> <schema-json>          -> {"id": n, "version": n}
  serialize   <topic> <schema-json> <value-json> -> {"hex": "..."}  (AvroSerializer, subject <topic>-value)
  deserialize <topic> <hex>                    -> {"value": {...}}  (AvroDeserializer, writer schema from the registry)
The write credential comes from BACKBEAT_REGISTRY_USER_INFO (user:password), if set.
Errors print {"error": "...", "status": n, "error_code": n} and exit with 1.
"""
import json
import os
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext


def run(url, command, args):
    conf = {"url": url}
    # The registry's write credential (HTTP basic auth), as for Confluent's own registry.
    user_info = os.environ.get("BACKBEAT_REGISTRY_USER_INFO")
    if user_info:
        conf["basic.auth.user.info"] = user_info
    client = SchemaRegistryClient(conf)
    if command == "register":
        subject, schema = args
        return {"id": client.register_schema(subject, Schema(schema, "AVRO"))}
    if command == "get-schema":
        return {"schema": client.get_schema(int(args[0])).schema_str}
    if command == "latest":
        latest = client.get_latest_version(args[0])
        return {"id": latest.schema_id, "version": latest.version, "schema": latest.schema.schema_str}
    if command == "lookup":
        subject, schema = args
        found = client.lookup_schema(subject, Schema(schema, "AVRO"))
        return {"id": found.schema_id, "version": found.version}
    if command == "serialize":
        topic, schema, value = args
        serializer = AvroSerializer(client, schema, conf={"auto.register.schemas": True})
        data = serializer(json.loads(value), SerializationContext(topic, MessageField.VALUE))
        return {"hex": data.hex()}
    if command == "deserialize":
        topic, hex_data = args
        deserializer = AvroDeserializer(client)
        value = deserializer(bytes.fromhex(hex_data), SerializationContext(topic, MessageField.VALUE))
        return {"value": value}
    raise ValueError(f"unknown command {command!r}")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(json.dumps(run(argv[1], argv[2], argv[3:]), default=str))
        return 0
    except SchemaRegistryError as e:
        print(json.dumps({"error": e.error_message, "status": e.http_status_code, "error_code": e.error_code}))
        return 1
    except Exception as e:  # noqa: BLE001 - reported to the calling test as JSON
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
