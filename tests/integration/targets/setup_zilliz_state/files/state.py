"""Test-only reader of a Milvus server's users, roles and grants, with
pymilvus's generated gRPC stubs and nothing from the collection, so that the
targets check what the modules did against what the server says. Reads
{"uri", "user", "password"} as JSON on standard input (no secret on a command
line); prints

    {"users": {user: [roles]}, "roles": {role: {"users": [...], "privileges":
     [{"privilege", "object_type", "object_name", "db_name"}]}}, "databases": [...]}

with everything sorted and every role's grants in every database. A user's
roles are listed as the server lists them: on Milvus 2.3.5 that includes a
nameless role "" for a user whose name is a prefix of another user's who
holds one. A role's members are the users that list it.

It sends the requests pymilvus's MilvusClient sends for list_databases,
list_users, describe_user, list_roles and describe_role (one SelectGrant per
database), but loads only the stubs: `import pymilvus` costs about a second
of CPU (pandas, numpy), and the targets read the state some thirty times.
"""

import base64
import importlib
import importlib.util
import json
import sys
import types
from urllib.parse import urlsplit

import grpc

TIMEOUT = 10


def milvus_stubs():
    """pymilvus.grpc_gen's milvus_pb2 and milvus_pb2_grpc, without running
    pymilvus/__init__.py."""
    package = types.ModuleType('pymilvus')
    package.__path__ = list(importlib.util.find_spec('pymilvus').submodule_search_locations)
    sys.modules['pymilvus'] = package
    stubs = importlib.import_module('pymilvus.grpc_gen')
    return stubs.milvus_pb2, stubs.milvus_pb2_grpc


def main():
    spec = json.load(sys.stdin)
    messages, services = milvus_stubs()
    address = urlsplit(spec['uri'])
    token = base64.b64encode(('%s:%s' % (spec['user'], spec['password'])).encode('utf-8')).decode('ascii')
    metadata = [('authorization', token)]
    with grpc.insecure_channel('%s:%s' % (address.hostname, address.port)) as channel:
        stub = services.MilvusServiceStub(channel)

        def call(method, request):
            response = getattr(stub, method)(request, timeout=TIMEOUT, metadata=metadata, wait_for_ready=True)
            if response.status.code or response.status.error_code:
                sys.exit('%s refused: %s' % (method, response.status.reason))
            return response

        databases = sorted(call('ListDatabases', messages.ListDatabasesRequest()).db_names)
        users = {}
        for name in call('ListCredUsers', messages.ListCredUsersRequest()).usernames:
            found = call('SelectUser', messages.SelectUserRequest(user=messages.UserEntity(name=name),
                                                                  include_role_info=True)).results
            users[name] = sorted(role.name for result in found for role in result.roles)
        roles = {}
        for result in call('SelectRole', messages.SelectRoleRequest(include_user_info=False)).results:
            role = result.role.name
            grants = set()
            for database in databases:
                entity = messages.GrantEntity(role=messages.RoleEntity(name=role), db_name=database)
                for grant in call('SelectGrant', messages.SelectGrantRequest(entity=entity)).entities:
                    grants.add((grant.grantor.privilege.name, grant.object.name, grant.object_name, grant.db_name))
            roles[role] = dict(
                users=sorted(user for user, held in users.items() if role in held),
                privileges=[dict(privilege=p, object_type=t, object_name=o, db_name=d) for p, t, o, d in sorted(grants)])
    print(json.dumps(dict(users=users, roles=roles, databases=databases), sort_keys=True))


if __name__ == '__main__':
    main()
