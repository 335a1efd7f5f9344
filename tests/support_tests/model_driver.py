"""Raw gRPC requests to a Milvus server (real or model) and what came back,
reduced to comparable observations: outcome (ok / refused / a gRPC status),
code, message class, and the data that reads back (sorted).

Shared by the differential test (real 2.3.5 against the model's 2.3.5
profile) and the ported Milvus tests (the model's newer profiles)."""

import base64
import os
import re
import sys

import grpc

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tools'))

from milvus_model._protos import common_pb2, milvus_pb2, milvus_pb2_grpc  # noqa: E402

GRANT = milvus_pb2.OperatePrivilegeType.Grant
REVOKE = milvus_pb2.OperatePrivilegeType.Revoke
ADD = milvus_pb2.OperateUserRoleType.AddUserToRole
REMOVE = milvus_pb2.OperateUserRoleType.RemoveUserFromRole

# Message classes: the first pattern found names the refusal (the exact texts
# differ between versions; what a client can act on does not).
MESSAGE_CLASSES = (
    ('exists', r'already exist'), ('has_privileges', r'has privileges'),
    ('user_limit', r'number of users has reached'), ('role_limit', r'number of roles has reached'),
    ('permission', r'permission deny'), ('default_role', r'default role|builtin role'),
    ('root_undroppable', r'root user cannot'), ('old_password', r'old password'),
    ('auth', r'auth check failure|missing authorization'), ('bcrypt', r'exceeds 72'),
    ('object_type', r'object type'), ('privilege_name', r'privilege name'),
    ('builtin_group', r'built-in privilege group'), ('group_level', r'level privilege|should be \*'),
    ('role_not_found', r'not found the role|role .* does not exist'), ('user_not_found', r'not found the user'),
    ('name_rule', r'first character|can only contain|must contain only|should be not empty|must be not empty|'
                  r'length of'),
    ('password_length', r'password length'), ('unimplemented', r'unknown method|Method not implemented'),
    ('gap', r'milvus_model gap'),
)


def message_class(text):
    for name, pattern in MESSAGE_CLASSES:
        if re.search(pattern, text or '', re.IGNORECASE):
            return name
    return 'other: %s' % ' '.join((text or '').split()[:4])


def b64(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


class Driver:
    """One channel; requests made as any user/password (the authorization header)."""

    def __init__(self, uri, timeout=10):
        self.channel = grpc.insecure_channel(uri.split('://', 1)[-1])
        self.stub = milvus_pb2_grpc.MilvusServiceStub(self.channel)
        self.timeout = timeout

    def close(self):
        self.channel.close()

    def call(self, method, request, user=None, password=None, db=None, token=None):
        """(observation, response or None). `token` (an API key) replaces user:password."""
        metadata = []
        if token is not None:
            metadata.append(('authorization', b64(token)))
        elif user is not None:
            metadata.append(('authorization', b64('%s:%s' % (user, password))))
        if db:
            metadata.append(('dbname', db))
        try:
            response = getattr(self.stub, method)(request, timeout=self.timeout, metadata=metadata)
        except grpc.RpcError as exc:
            return {'outcome': exc.code().name, 'class': message_class(exc.details())}, None
        status = getattr(response, 'status', response)
        if status.code or status.error_code:
            return {'outcome': 'refused', 'code': status.code, 'class': message_class(status.reason)}, response
        return {'outcome': 'ok'}, response


def read_back(method, response):
    """The data a read returns, sorted, for comparison."""
    if response is None:
        return None
    if method == 'SelectUser':
        return sorted((r.user.name, tuple(sorted(x.name for x in r.roles))) for r in response.results)
    if method == 'SelectRole':
        return sorted((r.role.name, tuple(sorted(u.name for u in r.users))) for r in response.results)
    if method == 'SelectGrant':
        return sorted((e.object.name, e.object_name, e.db_name, e.grantor.privilege.name, e.grantor.user.name)
                      for e in response.entities)
    if method == 'ListCredUsers':
        return sorted(response.usernames)
    if method == 'ListDatabases':
        return sorted(response.db_names)
    if method == 'GetVersion':
        return response.version
    if method == 'ListPrivilegeGroups':
        return sorted((g.group_name, tuple(sorted(p.name for p in g.privileges))) for g in response.privilege_groups)
    return None


# ---------------------------------------------------------------- request builders
def credential(name, password):
    return milvus_pb2.CreateCredentialRequest(username=name, password=b64(password))


def update(name, old, new):
    return milvus_pb2.UpdateCredentialRequest(username=name, oldPassword=b64(old), newPassword=b64(new))


def role(name):
    return milvus_pb2.CreateRoleRequest(entity=milvus_pb2.RoleEntity(name=name))


def drop_role(name, force=False):
    return milvus_pb2.DropRoleRequest(role_name=name, force_drop=force)


def user_role(user, role_name, op=ADD):
    return milvus_pb2.OperateUserRoleRequest(username=user, role_name=role_name, type=op)


def privilege(role_name, object_type, object_name, priv, db='', op=GRANT):
    entity = milvus_pb2.GrantEntity(
        role=milvus_pb2.RoleEntity(name=role_name), object=milvus_pb2.ObjectEntity(name=object_type),
        object_name=object_name, db_name=db,
        grantor=milvus_pb2.GrantorEntity(user=milvus_pb2.UserEntity(name='root'),
                                         privilege=milvus_pb2.PrivilegeEntity(name=priv)))
    return milvus_pb2.OperatePrivilegeRequest(entity=entity, type=op)


def privilege_v2(role_name, priv, db='*', collection='*', op=GRANT):
    return milvus_pb2.OperatePrivilegeV2Request(
        role=milvus_pb2.RoleEntity(name=role_name), type=op, db_name=db, collection_name=collection,
        grantor=milvus_pb2.GrantorEntity(user=milvus_pb2.UserEntity(name='root'),
                                         privilege=milvus_pb2.PrivilegeEntity(name=priv)))


def grants(role_name, db='', object_type=None, object_name=''):
    entity = milvus_pb2.GrantEntity(role=milvus_pb2.RoleEntity(name=role_name), db_name=db, object_name=object_name)
    if object_type:
        entity.object.name = object_type
    return milvus_pb2.SelectGrantRequest(entity=entity)


def users(name=None):
    request = milvus_pb2.SelectUserRequest(include_role_info=True)
    if name:
        request.user.name = name
    return request


def roles(with_users=True):
    return milvus_pb2.SelectRoleRequest(include_user_info=with_users)


def status_ok(observation):
    return observation['outcome'] == 'ok'


__all__ = ['Driver', 'read_back', 'message_class', 'common_pb2', 'milvus_pb2']
