"""Test-only lookup: the server's users, roles, grants and databases as
pymilvus's generated gRPC stubs read them, with nothing from the collection,
so that the targets check what the modules did against what the server says.

    query('milvus_state', uri=..., user=..., password=...)[0]
    query('milvus_state', 'databases', uri=..., user=..., password=..., create=[...], drop=[...])[0]

The first returns

    {"users": {user: [roles]}, "roles": {role: {"users": [...], "privileges":
     [{"privilege", "object_type", "object_name", "db_name"}]}}, "databases": [...]}

with everything sorted and every role's grants in every database. A user's
roles are listed as the server lists them: on Milvus 2.3.5 that includes a
nameless role "" for a user whose name is a prefix of another user's who
holds one. A role's members are the users that list it. The second creates
and drops databases (the collection has no module for them) and returns the
sorted names left.

It is a lookup, not a script run by a task, because the targets read the
state about thirty times each: in the controller's worker it costs a tenth
of what a `command` task and a fresh interpreter cost. It sends the requests
pymilvus's MilvusClient sends (list_databases, list_users, describe_user,
list_roles, describe_role with one SelectGrant per database, create_database,
drop_database) but loads only the stubs: `import pymilvus` costs about a
second of CPU (pandas, numpy). No error text carries the password.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import sys
import types
from urllib.parse import urlsplit

import grpc

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

TIMEOUT = 10


def milvus_stubs():
    """pymilvus.grpc_gen's milvus_pb2 and milvus_pb2_grpc, without running
    pymilvus/__init__.py."""
    if 'pymilvus' in sys.modules:
        stubs = importlib.import_module('pymilvus.grpc_gen')
        return stubs.milvus_pb2, stubs.milvus_pb2_grpc
    package = types.ModuleType('pymilvus')
    package.__path__ = list(importlib.util.find_spec('pymilvus').submodule_search_locations)
    sys.modules['pymilvus'] = package
    try:
        stubs = importlib.import_module('pymilvus.grpc_gen')
    finally:
        del sys.modules['pymilvus']     # a later real `import pymilvus` runs normally
    return stubs.milvus_pb2, stubs.milvus_pb2_grpc


class Server:
    """One channel to the server, as the login user."""

    def __init__(self, channel, user, password):
        self.messages, services = milvus_stubs()
        self.stub = services.MilvusServiceStub(channel)
        token = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8')).decode('ascii')
        self.metadata = [('authorization', token)]

    def call(self, method, request):
        response = getattr(self.stub, method)(request, timeout=TIMEOUT, metadata=self.metadata, wait_for_ready=True)
        status = getattr(response, 'status', response)      # CreateDatabase and DropDatabase answer a bare Status
        if status.code or status.error_code:
            raise AnsibleError('%s refused: %s' % (method, status.reason))
        return response

    def databases(self):
        return sorted(self.call('ListDatabases', self.messages.ListDatabasesRequest()).db_names)

    def change_databases(self, create, drop):
        existing = set(self.databases())
        for name in create:
            if name not in existing:
                self.call('CreateDatabase', self.messages.CreateDatabaseRequest(db_name=name))
        for name in drop:
            if name in existing:
                self.call('DropDatabase', self.messages.DropDatabaseRequest(db_name=name))
        return self.databases()

    def state(self):
        messages = self.messages
        databases = self.databases()
        users = {}
        for name in self.call('ListCredUsers', messages.ListCredUsersRequest()).usernames:
            request = messages.SelectUserRequest(user=messages.UserEntity(name=name), include_role_info=True)
            found = self.call('SelectUser', request).results
            users[name] = sorted(role.name for result in found for role in result.roles)
        roles = {}
        for result in self.call('SelectRole', messages.SelectRoleRequest(include_user_info=False)).results:
            role = result.role.name
            grants = set()
            for database in databases:
                entity = messages.GrantEntity(role=messages.RoleEntity(name=role), db_name=database)
                for grant in self.call('SelectGrant', messages.SelectGrantRequest(entity=entity)).entities:
                    grants.add((grant.grantor.privilege.name, grant.object.name, grant.object_name, grant.db_name))
            roles[role] = dict(
                users=sorted(user for user, held in users.items() if role in held),
                privileges=[dict(privilege=p, object_type=t, object_name=o, db_name=d) for p, t, o, d in sorted(grants)])
        return dict(users=dict(sorted(users.items())), roles=dict(sorted(roles.items())), databases=databases)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        what = terms[0] if terms else 'state'
        if what not in ('state', 'databases'):
            raise AnsibleError("milvus_state: %r: say 'databases', or nothing for the state" % (what,))
        address = urlsplit(kwargs['uri'])
        try:
            with grpc.insecure_channel('%s:%s' % (address.hostname, address.port)) as channel:
                server = Server(channel, kwargs['user'], kwargs['password'])
                if what == 'databases':
                    return [server.change_databases(kwargs.get('create', []), kwargs.get('drop', []))]
                return [server.state()]
        except grpc.RpcError as error:
            # The status and its details only: never the request's metadata.
            raise AnsibleError('milvus_state: %s: %s' % (error.code(), error.details())) from None
