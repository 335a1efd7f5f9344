"""Test set-up only: create a collection and an alias of it (the collection
has no module for them). Reads {"uri", "user", "password", "collection",
"alias"} as JSON on standard input, so no secret is on a command line."""

import json
import sys

from pymilvus import DataType, MilvusClient


def main():
    spec = json.load(sys.stdin)
    client = MilvusClient(spec['uri'], user=spec['user'], password=spec['password'], timeout=10)
    try:
        if spec['collection'] not in client.list_collections(timeout=10):
            schema = MilvusClient.create_schema(auto_id=False)
            schema.add_field('id', DataType.INT64, is_primary=True)
            schema.add_field('vec', DataType.FLOAT_VECTOR, dim=2)
            client.create_collection(spec['collection'], schema=schema, timeout=10)
        client.create_alias(spec['collection'], spec['alias'], timeout=10)
    finally:
        client.close()


if __name__ == '__main__':
    main()
