"""A fake Milvus for the unit tests, and a fixture that runs a module's main().

The fake sits under the real Connection, at its gRPC channel: every request
the modules make goes through the collection's own Connection (retries,
status checks, error classification, secret scrubbing) and is answered by
FakeMilvus, an in-memory server with Milvus 2.3.5's RBAC semantics as
measured against the real server (the integration tests keep the real one
as the ground truth). It is injected where ZillizModule.connect builds the
Connection, so option validation runs as in production.
"""

import base64
import json
import threading

import grpc
import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection, _module
from ansible_collections.zilliz.cloud.plugins.module_utils._connection import common_pb2, milvus_pb2

ROOT_PASSWORD = 'Root-pass-1'
WRITES = ('CreateCredential', 'UpdateCredential', 'DeleteCredential', 'OperateUserRole', 'CreateRole', 'DropRole',
          'OperatePrivilege', 'OperatePrivilegeV2')


class FakeRpcError(grpc.RpcError):
    """What gRPC raises for a failed call: a status code and details."""

    def __init__(self, code, details=''):
        super(FakeRpcError, self).__init__(details)
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


def refusal(code, reason):
    """A Milvus status refusing a request (an answer, not a transport failure)."""
    return common_pb2.Status(code=code, reason=reason)


def _version_tuple(version):
    return tuple(int(part) for part in version.lstrip('v').split('-')[0].split('.'))


class FakeMilvus:
    """Users, roles, grants and databases of one server, and the requests it got.

    Behaviour follows Milvus 2.3.5 (the server tests/integration runs):
    authentication on every request, 'already exists' and 'not found the
    role' refusals with code 65535, a wrong old password refused with 1400,
    root and the default roles protected (1401), grants read per database
    plus those stored under `*`, OperatePrivilegeV2 unimplemented before
    2.4.18. `fail(method, answer)` makes the next call of a method fail."""

    def __init__(self, version='v2.3.5', auth=True):
        self.version = version
        self.auth = auth
        self.passwords = {'root': ROOT_PASSWORD}
        self.user_roles = {'root': set()}
        self.roles = {'admin', 'public'}
        self.grants = set()     # (role, object_type, object_name, db_name, privilege)
        self.databases = ['default']
        self.forbidden = {}     # method -> users refused it (PERMISSION_DENIED)
        self.calls = []         # (method, user) in arrival order
        self._failures = {}
        self._before = {}
        self._lock = threading.Lock()

    # ----- set-up and inspection ---------------------------------------------
    def add_user(self, name, password, roles=()):
        self.passwords[name] = password
        self.user_roles[name] = set(roles)
        return self

    def add_role(self, name, *grants):
        """A role with grants given as (object_type, object_name, privilege[, db_name])."""
        self.roles.add(name)
        for grant in grants:
            object_type, object_name, privilege = grant[:3]
            self.grants.add((name, object_type, object_name, grant[3] if len(grant) > 3 else 'default', privilege))
        return self

    def fail(self, method, answer, times=1, after_applying=False):
        """The next `times` calls of `method` get `answer`: a status from
        refusal(), or an exception (FakeRpcError) that the channel raises.
        after_applying=True: the server makes the change and the answer is
        lost on the way back (a connection reset after the write)."""
        self._failures[method] = [(answer, after_applying)] * times
        return self

    def before(self, method, change):
        """Run change(self) just before the next call of `method` is handled:
        another client that got there first."""
        self._before[method] = change
        return self

    refusal = staticmethod(refusal)
    rpc_error = FakeRpcError

    def writes(self):
        return [method for method, dummy in self.calls if method in WRITES]

    def snapshot(self):
        return (dict(self.passwords), dict((u, set(r)) for u, r in self.user_roles.items()), set(self.roles),
                set(self.grants))

    def role_grants(self, role):
        return sorted(g[1:] for g in self.grants if g[0] == role)

    # ----- the channel's side ------------------------------------------------
    def handle(self, method, request, metadata):
        with self._lock:
            user = self._authenticate(metadata)
            self.calls.append((method, user))
            change = self._before.pop(method, None)
            if change:
                change(self)
            queued = self._failures.get(method)
            answer, after_applying = queued.pop(0) if queued else (None, False)
            if answer is not None and not after_applying:
                return self._fail(method, answer)
            if user in self.forbidden.get(method, ()):
                raise FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, '%s: permission deny' % method)
            handler = getattr(self, 'rpc_' + method, None)
            if handler is None:
                raise FakeRpcError(grpc.StatusCode.UNIMPLEMENTED, 'unknown method %s' % method)
            response = handler(request, user)
            return self._fail(method, answer) if answer is not None else response

    def _fail(self, method, answer):
        if isinstance(answer, Exception):
            raise answer
        return self._answer(method, answer)

    def _authenticate(self, metadata):
        header = dict(metadata or ()).get('authorization')
        if not self.auth:
            return None
        if header:
            user, dummy, password = base64.b64decode(header).decode('utf-8').partition(':')
            if self.passwords.get(user) == password:
                return user
        raise FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, 'auth check failure, please check username and password')

    @staticmethod
    def _answer(method, status):
        response = {
            'Connect': milvus_pb2.ConnectResponse, 'GetVersion': milvus_pb2.GetVersionResponse,
            'SelectUser': milvus_pb2.SelectUserResponse, 'SelectRole': milvus_pb2.SelectRoleResponse,
            'ListDatabases': milvus_pb2.ListDatabasesResponse, 'SelectGrant': milvus_pb2.SelectGrantResponse,
        }.get(method)
        return response(status=status) if response else status

    # ----- the RPCs -------------------------------------------------------------
    def rpc_Connect(self, request, user):
        return milvus_pb2.ConnectResponse(status=refusal(0, ''))

    def rpc_GetVersion(self, request, user):
        return milvus_pb2.GetVersionResponse(status=refusal(0, ''), version=self.version)

    def rpc_ListDatabases(self, request, user):
        return milvus_pb2.ListDatabasesResponse(status=refusal(0, ''), db_names=self.databases)

    def rpc_SelectUser(self, request, user):
        names = [request.user.name] if request.user.name else sorted(self.passwords)
        results = [milvus_pb2.UserResult(user=milvus_pb2.UserEntity(name=name),
                                         roles=[milvus_pb2.RoleEntity(name=r) for r in sorted(self.user_roles[name])])
                   for name in names if name in self.passwords]
        return milvus_pb2.SelectUserResponse(status=refusal(0, ''), results=results)

    def rpc_SelectRole(self, request, user):
        names = [request.role.name] if request.role.name else sorted(self.roles)
        results = []
        for name in (n for n in names if n in self.roles):
            members = sorted(u for u, roles in self.user_roles.items() if name in roles) \
                if request.include_user_info else []
            results.append(milvus_pb2.RoleResult(role=milvus_pb2.RoleEntity(name=name),
                                                 users=[milvus_pb2.UserEntity(name=u) for u in members]))
        return milvus_pb2.SelectRoleResponse(status=refusal(0, ''), results=results)

    def _every_database(self, db_name):
        # SelectGrant with db_name '*' lists every database's grants on 2.4 and later (2.3.5: only '*''s).
        return db_name == '*' and _version_tuple(self.version) >= (2, 4, 0)

    def rpc_SelectGrant(self, request, user):
        db_name = request.entity.db_name or 'default'
        entities = [milvus_pb2.GrantEntity(
            role=milvus_pb2.RoleEntity(name=role), object=milvus_pb2.ObjectEntity(name=object_type),
            object_name=object_name, db_name=db,
            grantor=milvus_pb2.GrantorEntity(privilege=milvus_pb2.PrivilegeEntity(name=privilege)))
            for role, object_type, object_name, db, privilege in sorted(self.grants)
            if role == request.entity.role.name and (db in (db_name, '*') or self._every_database(db_name))]
        return milvus_pb2.SelectGrantResponse(status=refusal(0, ''), entities=entities)

    def rpc_CreateCredential(self, request, user):
        if request.username in self.passwords:
            return refusal(65535, 'user already exists:%s' % request.username)
        self.add_user(request.username, _decode(request.password))
        return refusal(0, '')

    def rpc_UpdateCredential(self, request, user):
        if self.passwords.get(request.username) != _decode(request.oldPassword):
            return refusal(1400, 'old password not correct for %s: invalid parameter' % request.username)
        self.passwords[request.username] = _decode(request.newPassword)
        return refusal(0, '')

    def rpc_DeleteCredential(self, request, user):
        if request.username == 'root':
            return refusal(1401, 'root user cannot be deleted')
        self.passwords.pop(request.username, None)
        self.user_roles.pop(request.username, None)
        return refusal(0, '')

    def rpc_OperateUserRole(self, request, user):
        if request.role_name not in self.roles:
            return refusal(65535, 'not found the role, maybe the role isn\'t existed or internal system error')
        roles = self.user_roles.setdefault(request.username, set())
        if request.type == milvus_pb2.OperateUserRoleType.AddUserToRole:
            roles.add(request.role_name)
        else:
            roles.discard(request.role_name)
        return refusal(0, '')

    def rpc_CreateRole(self, request, user):
        if request.entity.name in self.roles:
            return refusal(65535, 'role [name:"%s"] already exists' % request.entity.name)
        self.roles.add(request.entity.name)
        return refusal(0, '')

    def rpc_DropRole(self, request, user):
        name = request.role_name
        if name in ('admin', 'public'):
            return refusal(1401, 'the role[%s] is a default role, which can\'t be dropped' % name)
        if name not in self.roles:
            return refusal(65535, 'not found the role, maybe the role isn\'t existed or internal system error')
        # 2.3.5 refuses for grants in default or '*' only; 2.4 and later for a grant in any database.
        if any(g[0] == name and (g[3] in ('default', '*') or _version_tuple(self.version) >= (2, 4, 0))
               for g in self.grants):
            return refusal(65535, 'fail to drop the role that it has privileges. Use REVOKE API to revoke privileges')
        self.roles.discard(name)
        for roles in self.user_roles.values():
            roles.discard(name)
        return refusal(0, '')

    def rpc_OperatePrivilege(self, request, user):
        entity = request.entity
        if entity.role.name not in self.roles:
            return refusal(65535, 'not found the role, maybe the role isn\'t existed or internal system error')
        if entity.object.name not in ('Global', 'Collection', 'User'):
            return refusal(65535, 'not found the object type[name: %s], supported the object types: '
                                  '[Collection Global User]' % entity.object.name)
        object_name = '*' if entity.object.name == 'Global' else entity.object_name
        return self._operate(request.type, (entity.role.name, entity.object.name, object_name,
                                            entity.db_name or 'default', entity.grantor.privilege.name))

    def rpc_OperatePrivilegeV2(self, request, user):
        if _version_tuple(self.version) < (2, 4, 18):
            raise FakeRpcError(grpc.StatusCode.UNIMPLEMENTED, 'Method not found: OperatePrivilegeV2')
        if request.role.name not in self.roles:
            return refusal(65535, 'not found the role, maybe the role isn\'t existed or internal system error')
        # Stored as the proxy turns it: a Global entity named by the collection.
        return self._operate(request.type, (request.role.name, 'Global', request.collection_name,
                                            request.db_name or 'default', request.grantor.privilege.name))

    def _operate(self, operation, grant):
        if operation == milvus_pb2.OperatePrivilegeType.Grant:
            self.grants.add(grant)
        else:
            self.grants.discard(grant)
        return refusal(0, '')


def _decode(value):
    return base64.b64decode(value).decode('utf-8')


class FakeChannel:
    """A grpc.Channel whose unary calls go to a FakeMilvus."""

    def __init__(self, server):
        self.server = server

    def unary_unary(self, path, *args, **kwargs):
        method = path.rsplit('/', 1)[-1]

        def call(request, timeout=None, metadata=None, **kwargs):
            return self.server.handle(method, request, metadata)
        return call

    unary_stream = stream_unary = stream_stream = unary_unary

    def close(self):
        pass


@pytest.fixture
def milvus(monkeypatch):
    """The FakeMilvus that every Connection built by a module talks to."""
    server = FakeMilvus()

    class FakeConnection(_connection.Connection):
        def _channel_for(self):
            return FakeChannel(server)

    monkeypatch.setattr(_module, 'Connection', FakeConnection)
    # Retries of transient failures wait for real otherwise.
    monkeypatch.setattr(_connection, '_sleep', lambda seconds: None)
    return server


MASK = '********'
SECRET_OPTIONS = ('password', 'current_password', 'login_password', 'token')


def _secrets_of(args):
    for key, value in args.items():
        if key in SECRET_OPTIONS and value:
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _secrets_of(item)


class ModuleRun:
    """What one main() printed: the result, and the raw output to scan for secrets."""

    def __init__(self, output, secrets):
        self.output = output
        self.result = json.loads(output)
        self.secrets = secrets

    def assert_no_secret(self, *extra, **kwargs):
        """No password or token of the run or of the server in the output, and,
        unless masked=True, not even Ansible's or the collection's mask of one
        (a mask shows that a secret reached the text that was masked)."""
        for secret in list(self.secrets) + list(extra):
            assert secret not in self.output
        if not kwargs.get('masked'):
            assert MASK not in self.output

    @property
    def failed(self):
        return bool(self.result.get('failed'))

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)


try:
    from ansible.module_utils import _internal as MODULE_INTERNAL
except ImportError:     # ansible-core before 2.19
    MODULE_INTERNAL = None


@pytest.fixture
def run_module(capsys, milvus, monkeypatch):
    """run_module(module, check_mode=False, diff=False, **args): main() of a
    zilliz.cloud module with those arguments (connecting as root to the fake
    server unless told otherwise) -> ModuleRun."""
    # Modules run on the target side: once a test has imported controller code
    # (plugins, Display), ansible-core 2.19 would send a module's warnings and
    # deprecations to the controller's display instead of its result.
    if hasattr(MODULE_INTERNAL, 'is_controller'):
        monkeypatch.setattr(MODULE_INTERNAL, 'is_controller', False)

    def run(module, check_mode=False, diff=False, **args):
        args.setdefault('uri', 'http://localhost:19530')
        if 'token' not in args:
            args.setdefault('login_user', 'root')
            args.setdefault('login_password', ROOT_PASSWORD)
        args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        capsys.readouterr()
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        secrets = set(_secrets_of(args)) | set(milvus.passwords.values())
        return ModuleRun(capsys.readouterr().out, secrets)
    return run
