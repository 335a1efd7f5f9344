"""The benchmark's floor: a plain pymilvus script doing, sequentially, the calls
that reach the same end state as the role. Run by tools/benchmark.py as its
own process; reads its job from a JSON file (argv[1])."""

import json
import os
import sys

os.environ.setdefault('GRPC_VERBOSITY', 'NONE')

from pymilvus import MilvusClient  # noqa: E402  pylint: disable=wrong-import-position


def main():
    with open(sys.argv[1], encoding='utf-8') as stream:
        job = json.load(stream)
    uri, case, users = job['uri'], job['case'], job['users']
    client = MilvusClient(uri, user='root', password=job['root_password'], dedicated=True, timeout=60)
    for role in job.get('roles', []):
        client.create_role(role['name'], timeout=60)
        for grant in role['privileges']:
            client.grant_privilege(role['name'], grant['object_type'], grant['privilege'], grant['object_name'],
                                   timeout=60)
    if case == 'fresh':
        for user in users:
            client.create_user(user['name'], user['password'], timeout=60)
            for role in user['roles']:
                client.grant_role(user['name'], role, timeout=60)
    elif case == 'password':
        for user in users:
            MilvusClient(uri, user=user['name'], password=user['password'], dedicated=True, timeout=60).close()
    else:
        raise SystemExit('unknown case %s' % case)
    client.close()


if __name__ == '__main__':
    main()
