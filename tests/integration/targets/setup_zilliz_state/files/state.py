"""Test-only reader of a Milvus server's users, roles and grants, with pymilvus
and nothing from the collection, so that the targets check what the modules
did against what the server says. Reads {"uri", "user", "password"} as JSON on
standard input (no secret on a command line); prints

    {"users": {user: [roles]}, "roles": {role: {"users": [...], "privileges":
     [{"privilege", "object_type", "object_name", "db_name"}]}}, "databases": [...]}

with everything sorted and every role's grants in every database. A user's
roles are listed as the server lists them: on Milvus 2.3.5 that includes a
nameless role "" for a user whose name is a prefix of another user's who
holds one. A role's members are the users that list it.
"""

import json
import sys

from pymilvus import MilvusClient


def main():
    spec = json.load(sys.stdin)
    client = MilvusClient(spec['uri'], user=spec['user'], password=spec['password'], timeout=10)
    try:
        databases = sorted(client.list_databases(timeout=10))
        users = dict((name, sorted(client.describe_user(name, timeout=10)['roles']))
                     for name in client.list_users(timeout=10))
        roles = {}
        for role in client.list_roles(timeout=10):
            grants = set()
            for name in databases:
                for grant in client.describe_role(role, db_name=name, timeout=10)['privileges']:
                    grants.add((grant['privilege'], grant['object_type'], grant['object_name'], grant['db_name']))
            roles[role] = dict(
                users=sorted(user for user, held in users.items() if role in held),
                privileges=[dict(privilege=p, object_type=t, object_name=o, db_name=d) for p, t, o, d in sorted(grants)])
        print(json.dumps(dict(users=users, roles=roles, databases=databases), sort_keys=True))
    finally:
        client.close()


if __name__ == '__main__':
    main()
