"""Test set-up only: create or drop Milvus databases (the collection has no
module for databases). Reads {"uri", "user", "password", "create", "drop"} as
JSON on standard input, so no secret is on a command line."""

import json
import sys

from pymilvus import MilvusClient


def main():
    spec = json.load(sys.stdin)
    client = MilvusClient(spec['uri'], user=spec['user'], password=spec['password'], timeout=10)
    try:
        existing = set(client.list_databases(timeout=10))
        for name in spec.get('create', []):
            if name not in existing:
                client.create_database(name, timeout=10)
        for name in spec.get('drop', []):
            if name in existing:
                client.drop_database(name, timeout=10)
        print(json.dumps(sorted(client.list_databases(timeout=10))))
    finally:
        client.close()


if __name__ == '__main__':
    main()
