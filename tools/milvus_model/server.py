"""The model's gRPC service: pymilvus's generated MilvusServiceServicer, with
the RBAC surface the collection and its tests use. State lives in memory.

Behaviour that differs by version is looked up in rules.RULES (never decided
here); behaviour common to 2.3 to 2.6 cites its source where it is coded.
"""

import base64
import threading
from concurrent import futures

import grpc

from . import rules
from ._protos import common_pb2, milvus_pb2, milvus_pb2_grpc

ANY = '*'
DEFAULT_DB = 'default'


class Refusal(Exception):
    """A non-success status (the request reached the server and was refused)."""

    def __init__(self, code, reason, legacy=None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.legacy = legacy


class Abort(Exception):
    """A gRPC error status (the interceptors' answers, UNIMPLEMENTED, gaps)."""

    def __init__(self, status, details):
        super().__init__(details)
        self.status = status
        self.details = details


class Gap(Abort):
    def __init__(self, profile, what):
        super().__init__(grpc.StatusCode.UNIMPLEMENTED,
                         'milvus_model gap: profile %s does not model %s' % (profile, what))


# merr (pkg/util/merr/errors.go): the wrapped message, then the error's own text.
def invalid(msg):
    return Refusal(1100, '%s: invalid parameter' % msg)


def not_permitted(msg):
    return Refusal(1401, '%s: privilege not permitted' % msg)


def unknown_method(method):
    # What a Go gRPC server answers for a method it does not have (measured on 2.3.5).
    return Abort(grpc.StatusCode.UNIMPLEMENTED,
                 'unknown method %s for service milvus.proto.milvus.MilvusService' % method)


def _legacy(code):
    # merr.Status fills the deprecated ErrorCode too; clients read `code`.
    return common_pb2.UnexpectedError if code else common_pb2.Success


class State:
    """Users, roles, grants, databases, collections and aliases of one server."""

    def __init__(self, profile, root_password, max_user_num=None, max_role_num=None):
        self.profile = profile
        self.lock = threading.RLock()
        self.login_user = self.rule('login_user')
        self.users = {self.login_user: root_password}          # name -> password (insertion order)
        self.roles = list(self.rule('builtin_roles'))
        self.user_roles = {self.login_user: []}
        if profile == 'zilliz-cloud':
            self.user_roles[self.login_user].append('db_admin')
        self.grants = []    # dicts: role, object, object_name, db_name, privilege, grantor
        if self.rule('builtin_roles') == ('admin', 'public'):
            # The built-in public grants, stored under database "*" (measured on 2.3.5).
            for obj, name, priv in (('Collection', ANY, 'IndexDetail'), ('Global', ANY, 'DescribeCollection'),
                                    ('Global', ANY, 'ShowCollections')):
                self.grants.append(dict(role='public', object=obj, object_name=name, db_name=ANY, privilege=priv,
                                        grantor='root'))
        self.databases = [DEFAULT_DB]
        self.collections = {DEFAULT_DB: {}}   # db -> {collection: [aliases]}
        self.privilege_groups = {}            # custom groups: name -> [privileges]
        self.max_user_num = max_user_num or self.rule('max_user_num')
        self.max_role_num = max_role_num or self.rule('max_role_num')

    def rule(self, name, what=None):
        value = rules.RULES[name].values[self.profile]
        if value is rules.GAP:
            raise Gap(self.profile, what or rules.RULES[name].text)
        return value

    # ------------------------------------------------------------- lookups
    def object_privileges(self):
        return rules.OBJECT_PRIVILEGES[self.rule('privilege_tables')]

    def object_type_of(self, privilege):
        """util.GetObjectType: the first object type whose table has it, else Global."""
        for obj, names in self.object_privileges().items():
            if privilege in names:
                return obj
        return 'Global'

    def privilege_defined(self, name):
        return any(name in names for names in self.object_privileges().values())

    def roles_of(self, user):
        roles = list(self.user_roles.get(user, []))
        if self.rule('phantom_empty_role') and any(
                other != user and other.startswith(user) and self.user_roles.get(other)
                for other in self.users):
            roles.append('')
        return roles

    def expand(self, privilege):
        if privilege in rules.BUILTIN_GROUPS:
            return set(rules.BUILTIN_GROUPS[privilege])
        if privilege in self.privilege_groups:
            return set(self.privilege_groups[privilege])
        return {privilege}

    def permits(self, user, db, object_type, object_name, privilege):
        """The proxy's privilege check (internal/proxy/privilege_interceptor.go; casbin
        model in internal/util/privilege: admin role, "*" and "All" match)."""
        if user == 'root' and self.login_user == 'root':
            return True     # common.security.rootShouldBindRole defaults to false
        roles = self.user_roles.get(user, []) + ['public']
        if any(role in self.rule('admin_roles') for role in roles):
            return True
        for grant in self.grants:
            if grant['role'] not in roles:
                continue
            if grant['db_name'] not in (ANY, db):
                continue
            if grant['privilege'] == 'All' and grant['object'] == 'Global':
                return True
            if grant['privilege'] in rules.BUILTIN_GROUPS or grant['privilege'] in self.privilege_groups:
                if privilege in self.expand(grant['privilege']) and grant['object_name'] in (ANY, object_name):
                    return True
                continue
            if grant['object'] != object_type or grant['object_name'] not in (ANY, object_name):
                continue
            if grant['privilege'] in (ANY, privilege):
                return True
        return False


class Servicer(milvus_pb2_grpc.MilvusServiceServicer):
    """One method per RPC. Unimplemented RPCs answer UNIMPLEMENTED (the base class)."""

    def __init__(self, state):
        self.state = state

    # ------------------------------------------------------------ plumbing
    def _call(self, context, request, response_type, handler):
        try:
            with self.state.lock:
                user = self._authenticate(context)
                self._authorize(context, user, request)
                result = handler(request, user, context)
        except Abort as exc:
            context.abort(exc.status, exc.details)
        except Refusal as exc:
            status = common_pb2.Status(code=exc.code, reason=exc.reason,
                                       error_code=exc.legacy if exc.legacy is not None else _legacy(exc.code))
            return status if response_type is common_pb2.Status else response_type(status=status)
        if response_type is common_pb2.Status:
            return result or common_pb2.Status()
        return result

    def _authenticate(self, context):
        """internal/proxy/authentication_interceptor.go (2.3 to 2.6)."""
        metadata = dict((k.lower(), v) for k, v in context.invocation_metadata())
        header = metadata.get('authorization')
        if header is None:
            raise Abort(grpc.StatusCode.UNAUTHENTICATED, 'missing authorization in header')
        try:
            raw = base64.b64decode(header, validate=True).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            raise Abort(grpc.StatusCode.UNAUTHENTICATED, 'invalid token format') from None
        if ':' not in raw:
            if self.state.rule('api_key_token', 'API keys (a token without ":")') == 'refuse':
                raise Abort(grpc.StatusCode.UNAUTHENTICATED, 'auth check failure, please check api key is correct')
        user, password = raw.split(':', 1)
        if self.state.users.get(user) != password:
            raise Abort(grpc.StatusCode.UNAUTHENTICATED,
                        'auth check failure, please check username and password are correct')
        return user

    def _authorize(self, context, user, request):
        """The privilege the request's proto option names (common.proto privilege_ext_obj),
        on the database of the `dbname` header."""
        options = request.DESCRIPTOR.GetOptions()
        ext = common_pb2.privilege_ext_obj
        if not options.HasExtension(ext):
            return
        info = options.Extensions[ext]
        object_type = common_pb2.ObjectType.Name(info.object_type)
        privilege = common_pb2.ObjectPrivilege.Name(info.object_privilege)[len('Privilege'):]
        object_name = ANY
        if info.object_name_index > 0:
            field = request.DESCRIPTOR.fields_by_number.get(info.object_name_index)
            value = getattr(request, field.name) if field else ''
            object_name = value.name if hasattr(value, 'name') else value
        if object_type == 'User' and object_name == user:
            return      # isCurUserObject
        if isinstance(request, milvus_pb2.SelectGrantRequest) and (
                request.entity.role.name in self.state.user_roles.get(user, []) + ['public']):
            return      # isSelectMyRoleGrants
        db = dict(context.invocation_metadata()).get('dbname') or DEFAULT_DB
        if not self.state.permits(user, db, object_type, object_name, privilege):
            text = self.state.rule('permission_denied_text').format(priv='Privilege' + privilege, user=user, db=db)
            raise Abort(grpc.StatusCode.PERMISSION_DENIED, text)

    def _refusal(self, text):
        return Refusal(self.state.rule('refusal_code'), text)

    # ------------------------------------------------------------ names
    def _validate_username(self, name):
        """internal/proxy/util.go ValidateUsername (extra characters: rules.username_extra_chars)."""
        name = name.strip()
        if not name:
            raise invalid('username must be not empty')
        if len(name) > 32:
            raise invalid('invalid username %s with length %d, the length of username must be less than 32'
                          % (name, len(name)))
        if not (name[0].isascii() and name[0].isalpha()):
            raise invalid('invalid user name %s, the first character must be a letter, but got %s' % (name, name[0]))
        extra = '_' + self.state.rule('username_extra_chars')
        for char in name[1:]:
            if not (char in extra or (char.isascii() and char.isalnum())):
                raise invalid('invalid user name %s, username must contain only numbers, letters and underscores, '
                              'but got %s' % (name, ord(char)))

    @staticmethod
    def _validate_name(name, kind):
        """internal/proxy/util.go validateName (role names, object names, privileges)."""
        name = name.strip()
        if not name:
            raise invalid('%s should be not empty' % kind)
        if len(name) > 255:
            raise invalid('the length of %s must be not greater than limit' % kind)
        if not (name[0] == '_' or (name[0].isascii() and name[0].isalpha())):
            raise invalid('the first character of %s must be an underscore or letter' % kind)
        for index, char in enumerate(name[1:], 1):
            if not (char in '_$' or (char.isascii() and char.isalnum())):
                raise invalid('%s can only contain numbers, letters, dollars and underscores, found %s at %d'
                              % (kind, char, index))

    @staticmethod
    def _validate_password(password):
        """ValidatePassword: 6 to 256 bytes; bcrypt refuses more than 72 (measured on 2.3.5)."""
        size = len(password.encode('utf-8'))
        if size < 6 or size > 256:
            raise invalid('invalid password length: the value must be between 6 and 256, got %d' % size)
        if size > 72:
            raise Refusal(65535, 'bcrypt: password length exceeds 72 bytes')

    @staticmethod
    def _decode(value):
        try:
            return base64.b64decode(value).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            raise invalid('decode password fail') from None

    # ------------------------------------------------------------ connection
    def Connect(self, request, context):
        def handle(req, user, ctx):
            return milvus_pb2.ConnectResponse(status=common_pb2.Status(),
                                              server_info=common_pb2.ServerInfo(build_tags=self._version()),
                                              identifier=1)
        return self._call(context, request, milvus_pb2.ConnectResponse, handle)

    def _version(self):
        return self.state.rule('version_text')

    def GetVersion(self, request, context):
        return self._call(context, request, milvus_pb2.GetVersionResponse,
                          lambda req, user, ctx: milvus_pb2.GetVersionResponse(status=common_pb2.Status(),
                                                                               version=self._version()))

    # ------------------------------------------------------------ users
    def CreateCredential(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            self._validate_username(req.username)
            password = self._decode(req.password)
            self._validate_password(password)
            exists = req.username in state.users
            full = len(state.users) >= state.max_user_num
            limit = self._refusal('unable to add user because the number of users has reached the limit')
            already = self._refusal('user already exists: %s' % req.username)
            if state.rule('user_limit_before_existence'):
                if full:
                    raise limit
                if exists:
                    raise already
            else:
                if exists:
                    raise already
                if full:
                    raise limit
            state.users[req.username] = password
            state.user_roles.setdefault(req.username, [])
        return self._call(context, request, common_pb2.Status, handle)

    def UpdateCredential(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            new = self._decode(req.newPassword)
            old = self._decode(req.oldPassword)
            self._validate_password(new)
            # The old password is checked for everyone (superUsers are not modelled): measured on 2.3.5.
            if state.users.get(req.username) != old:
                raise Refusal(1400, 'old password not correct for %s: not authenticated' % req.username)
            state.users[req.username] = new
        return self._call(context, request, common_pb2.Status, handle)

    def DeleteCredential(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            if req.username == state.login_user:
                if state.login_user == 'root':
                    raise not_permitted('root user cannot be deleted')
                raise Gap(state.profile, 'the refusal text for dropping %s' % req.username)
            # A missing user is not an error (idempotent): root_coord.go DeleteCredential.
            state.users.pop(req.username, None)
            state.user_roles.pop(req.username, None)
        return self._call(context, request, common_pb2.Status, handle)

    def ListCredUsers(self, request, context):
        return self._call(context, request, milvus_pb2.ListCredUsersResponse,
                          lambda req, user, ctx: milvus_pb2.ListCredUsersResponse(
                              status=common_pb2.Status(), usernames=list(self.state.users)))

    def SelectUser(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            names = list(state.users)
            if req.HasField('user'):
                self._validate_username(req.user.name)
                names = [req.user.name] if req.user.name in state.users else []
            results = []
            for name in names:
                result = milvus_pb2.UserResult(user=milvus_pb2.UserEntity(name=name))
                if req.include_role_info:
                    result.roles.extend(milvus_pb2.RoleEntity(name=r) for r in state.roles_of(name))
                results.append(result)
            return milvus_pb2.SelectUserResponse(status=common_pb2.Status(), results=results)
        return self._call(context, request, milvus_pb2.SelectUserResponse, handle)

    # ------------------------------------------------------------ roles
    def CreateRole(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            name = req.entity.name
            self._validate_name(name, 'role name')
            if name in state.roles:
                raise self._refusal('role [name:"%s"] already exists' % name)
            if len(state.roles) >= state.max_role_num:
                raise Refusal(state.rule('role_limit_code'),
                              'unable to create role because the number of roles has reached the limit')
            state.roles.append(name)
        return self._call(context, request, common_pb2.Status, handle)

    def DropRole(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            name = req.role_name
            self._validate_name(name, 'role name')
            if name in state.rule('builtin_roles'):
                if state.profile == 'zilliz-cloud':
                    raise Gap(state.profile, 'the refusal text for dropping built-in role %s' % name)
                raise not_permitted('the role[%s] is a default role, which can\'t be dropped' % name)
            if name not in state.roles:
                raise self._refusal('not found the role, maybe the role isn\'t existed or internal system error')
            force = req.force_drop and state.rule('force_drop')
            if not force:
                mine = [g for g in state.grants if g['role'] == name]
                if not state.rule('drop_role_checks_all_dbs'):
                    mine = [g for g in mine if g['db_name'] in (DEFAULT_DB, ANY)]
                if mine:
                    raise self._refusal('fail to drop the role that it has privileges. Use REVOKE API to revoke '
                                        'privileges')
            if force or state.rule('drop_role_checks_all_dbs'):
                state.grants = [g for g in state.grants if g['role'] != name]
            # 2.3.5 keeps grants in other databases: a role created later under the
            # same name has them again (measured).
            state.roles.remove(name)
            for roles in state.user_roles.values():
                if name in roles:
                    roles.remove(name)
        return self._call(context, request, common_pb2.Status, handle)

    def OperateUserRole(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            self._validate_username(req.username)
            self._validate_name(req.role_name, 'role name')
            if req.role_name not in state.roles:
                raise self._refusal('not found the role, maybe the role isn\'t existed or internal system error')
            add = req.type == milvus_pb2.OperateUserRoleType.AddUserToRole
            if add and req.username not in state.users and state.rule('operate_user_role_needs_user'):
                raise self._refusal('not found the user, maybe the user isn\'t existed or internal system error')
            roles = state.user_roles.setdefault(req.username, [])
            if add and req.role_name not in roles:
                roles.append(req.role_name)
            elif not add and req.role_name in roles:
                roles.remove(req.role_name)
        return self._call(context, request, common_pb2.Status, handle)

    def SelectRole(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            names = list(state.roles)
            if req.HasField('role') and req.role.name:
                names = [req.role.name] if req.role.name in state.roles else []
            results = []
            for name in names:
                result = milvus_pb2.RoleResult(role=milvus_pb2.RoleEntity(name=name))
                if req.include_user_info:
                    result.users.extend(milvus_pb2.UserEntity(name=u) for u, roles in state.user_roles.items()
                                        if name in roles)
                results.append(result)
            return milvus_pb2.SelectRoleResponse(status=common_pb2.Status(), results=results)
        return self._call(context, request, milvus_pb2.SelectRoleResponse, handle)

    # ------------------------------------------------------------ grants
    def _check_role_exists(self, name):
        if name not in self.state.roles:
            raise self._refusal('not found the role, maybe the role isn\'t existed or internal system error')

    def _resolve_alias(self, db, name):
        """proxy MetaCache.ResolveCollectionAlias (2.6.12+, rules.resolve_alias): an alias
        becomes its collection; any other name (a collection, or nothing at all) is kept."""
        if name in (ANY, '') or not self.state.rule('resolve_alias'):
            return name
        if db == ANY:
            # DescribeAlias in database "*": its answer was not read.
            raise Gap(self.state.profile, 'a grant on collection %s in database "*"' % name)
        for collection, aliases in self.state.collections.get(db or DEFAULT_DB, {}).items():
            if name in aliases:
                return collection
        return name

    def _store(self, role, grant, object_type, object_name, db_name, privilege, user):
        state = self.state
        key = dict(role=role, object=object_type, object_name=object_name, db_name=db_name, privilege=privilege)
        present = [g for g in state.grants if all(g[k] == v for k, v in key.items())]
        if grant and not present:
            key['grantor'] = user
            state.grants.append(key)
        if not grant:
            for item in present:
                state.grants.remove(item)

    def OperatePrivilege(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            entity = req.entity
            obj = entity.object.name
            # proxy validPrivilegeParams, then rootcoord operatePrivilegeCommonCheck / isValidPrivilege.
            if obj not in rules.OBJECT_TYPES:
                raise self._refusal('not found the object type[name: %s], supported the object types: '
                                    '[Collection Global User]' % obj)
            if entity.object_name != ANY:
                self._validate_name(entity.object_name, 'object name')
            self._validate_name(entity.role.name, 'role name')
            priv = entity.grantor.privilege.name
            if priv != ANY:
                self._validate_name(priv, 'Privilege')
            self._check_role_exists(entity.role.name)
            self._check_builtin_frozen(entity.role.name)
            if state.rule('custom_roles_groups_only'):
                raise Gap(state.profile, 'the refusal of a v1 grant to a custom role (docs: built-in groups '
                                         'only, with the v2 call)')
            v2 = state.rule('v2_api')
            if priv != ANY:
                if v2 and priv in state.privilege_groups:
                    raise self._refusal('can not operate the custom privilege group [%s]' % priv)
                if v2 and priv in rules.BUILTIN_GROUPS:
                    raise self._refusal('can not operate the built-in privilege group [%s]' % priv)
                if priv not in state.object_privileges()[obj]:
                    raise self._refusal(state.rule('unknown_privilege_text').format(priv=priv, obj=obj))
            db = entity.db_name or DEFAULT_DB
            name = entity.object_name
            if obj == 'Collection':
                name = self._resolve_alias(db, name)
            if obj == 'Global' and not (priv in rules.V1_GROUPS):
                name = ANY      # Global grants are stored under "*" (measured on 2.3.5; root_coord.go)
            grant = req.type == milvus_pb2.OperatePrivilegeType.Grant
            for each in [priv] + self._related(priv):
                self._store(entity.role.name, grant, obj, name, db, each, user)
        return self._call(context, request, common_pb2.Status, handle)

    def _related(self, priv):
        if priv in rules.RELATED and self.state.rule('related_privileges'):
            return rules.RELATED[priv]
        return []

    def _check_builtin_frozen(self, role):
        if role in self.state.rule('builtin_roles') and self.state.rule('builtin_role_grants_frozen'):
            raise Gap(self.state.profile, 'the refusal text for changing the grants of built-in role %s' % role)

    def OperatePrivilegeV2(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            if not state.rule('v2_api'):
                raise unknown_method('OperatePrivilegeV2')
            priv = req.grantor.privilege.name
            # proxy validateOperatePrivilegeV2Params
            self._validate_name(req.role.name, 'role name')
            if priv != ANY:
                self._validate_name(priv, 'Privilege')
            if req.type not in (milvus_pb2.OperatePrivilegeType.Grant, milvus_pb2.OperatePrivilegeType.Revoke):
                raise invalid('the type in the request not grant or revoke')
            if req.db_name not in ('', ANY):
                self._validate_name(req.db_name, 'database name')
            if req.collection_name != ANY:
                self._validate_name(req.collection_name, 'collection name')
            self._check_role_exists(req.role.name)
            self._check_builtin_frozen(req.role.name)
            if state.rule('custom_roles_groups_only') and priv not in rules.BUILTIN_GROUPS:
                raise Gap(state.profile, 'the refusal of %s for a custom role (docs: built-in groups only)' % priv)
            # rootcoord isValidPrivilegeV2 + validatePrivilegeGroupParams
            custom = priv in state.privilege_groups
            if priv != ANY and not custom and not state.privilege_defined(priv):
                raise self._refusal('not found the privilege name[%s]' % priv)
            members = rules.BUILTIN_GROUPS.get(priv) or state.privilege_groups.get(priv)
            if members:
                level = rules.PRIVILEGE_LEVEL.get(members[0])
                db, coll = req.db_name, req.collection_name
                if level == 'Cluster' and not (db == ANY and coll == ANY):
                    raise invalid('dbName and collectionName should be * for the cluster level privilege: %s' % priv)
                if level == 'Database' and coll not in ('', ANY):
                    raise invalid('collectionName should be * for the database level privilege: %s' % priv)
                if level == 'Collection' and db == ANY and coll not in ('', ANY):
                    raise invalid('please specify database name for the collection level privilege: %s' % priv)
            db = req.db_name or DEFAULT_DB
            name = self._resolve_alias(db, req.collection_name)
            grant = req.type == milvus_pb2.OperatePrivilegeType.Grant
            # Stored as OperatePrivilege Version "v2": object type util.GetObjectType(privilege)
            # (Global for groups and unknown names), object name = the collection.
            for each in [priv] + self._related(priv):
                self._store(req.role.name, grant, state.object_type_of(each), name, db, each, user)
        return self._call(context, request, common_pb2.Status, handle)

    def SelectGrant(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            entity = req.entity
            self._validate_name(entity.role.name, 'role name')
            if entity.role.name not in state.roles:
                raise self._refusal('not found the role, maybe the role isn\'t existed or internal system error')
            db = entity.db_name or DEFAULT_DB
            found = [g for g in state.grants if g['role'] == entity.role.name]
            if db == ANY and state.rule('select_grant_star_all_dbs'):
                pass
            else:
                found = [g for g in found if g['db_name'] in (db, ANY)]
            if entity.HasField('object') and entity.object.name:
                # proxy validGrantParams: with an object, the object name must be valid too.
                if entity.object_name != ANY:
                    self._validate_name(entity.object_name, 'object name')
                found = [g for g in found if g['object'] == entity.object.name]
                found = [g for g in found if g['object_name'] == entity.object_name]
            entities = [self._grant_entity(g) for g in found]
            return milvus_pb2.SelectGrantResponse(status=common_pb2.Status(), entities=entities)
        return self._call(context, request, milvus_pb2.SelectGrantResponse, handle)

    @staticmethod
    def _grant_entity(grant):
        grantor = milvus_pb2.GrantorEntity(user=milvus_pb2.UserEntity(name=grant['grantor']),
                                           privilege=milvus_pb2.PrivilegeEntity(name=grant['privilege']))
        return milvus_pb2.GrantEntity(role=milvus_pb2.RoleEntity(name=grant['role']),
                                      object=milvus_pb2.ObjectEntity(name=grant['object']),
                                      object_name=grant['object_name'], db_name=grant['db_name'], grantor=grantor)

    # ------------------------------------------------------------ privilege groups (2.4.18+)
    def _v2_only(self, method):
        if not self.state.rule('v2_api'):
            raise unknown_method(method)
        if self.state.profile == 'zilliz-cloud':
            raise Gap(self.state.profile, 'custom privilege groups (docs: "contact us")')

    def CreatePrivilegeGroup(self, request, context):
        def handle(req, user, ctx):
            self._v2_only('CreatePrivilegeGroup')
            self._validate_name(req.group_name, 'privilege group name')
            if req.group_name in rules.BUILTIN_GROUPS or req.group_name in self.state.privilege_groups:
                raise self._refusal('privilege group [%s] already exists' % req.group_name)
            self.state.privilege_groups[req.group_name] = []
        return self._call(context, request, common_pb2.Status, handle)

    def DropPrivilegeGroup(self, request, context):
        def handle(req, user, ctx):
            self._v2_only('DropPrivilegeGroup')
            self._validate_name(req.group_name, 'privilege group name')
            if any(g['privilege'] == req.group_name for g in self.state.grants):
                raise self._refusal('privilege group [%s] is used by role, Use REVOKE API to revoke it first'
                                    % req.group_name)
            self.state.privilege_groups.pop(req.group_name, None)
        return self._call(context, request, common_pb2.Status, handle)

    def ListPrivilegeGroups(self, request, context):
        def handle(req, user, ctx):
            if not self.state.rule('v2_api'):
                raise unknown_method('ListPrivilegeGroups')
            groups = [milvus_pb2.PrivilegeGroupInfo(group_name=name, privileges=[
                milvus_pb2.PrivilegeEntity(name=p) for p in privs])
                for name, privs in list(rules.BUILTIN_GROUPS.items()) + list(self.state.privilege_groups.items())]
            return milvus_pb2.ListPrivilegeGroupsResponse(status=common_pb2.Status(), privilege_groups=groups)
        return self._call(context, request, milvus_pb2.ListPrivilegeGroupsResponse, handle)

    def OperatePrivilegeGroup(self, request, context):
        def handle(req, user, ctx):
            self._v2_only('OperatePrivilegeGroup')
            state = self.state
            self._validate_name(req.group_name, 'privilege group name')
            if req.group_name not in state.privilege_groups:
                raise self._refusal('there is no privilege group name [%s] to operate' % req.group_name)
            group = state.privilege_groups[req.group_name]
            names = [p.name for p in req.privileges]
            for name in names:
                if not state.privilege_defined(name) or name in rules.BUILTIN_GROUPS or name in rules.V1_GROUPS:
                    raise invalid('privilege name [%s] is not valid' % name)
            levels = set(rules.PRIVILEGE_LEVEL.get(n) for n in group + names)
            if len(levels) > 1:
                raise invalid('privileges in the group must be of the same level')
            if req.type == milvus_pb2.OperatePrivilegeGroupType.AddPrivilegesToGroup:
                group.extend(n for n in names if n not in group)
            else:
                state.privilege_groups[req.group_name] = [n for n in group if n not in names]
        return self._call(context, request, common_pb2.Status, handle)

    # ------------------------------------------------------------ databases, collections, aliases
    def ListDatabases(self, request, context):
        def handle(req, user, ctx):
            state = self.state
            privileged = user == 'root' or any(r in state.rule('admin_roles') for r in state.user_roles.get(user, []))
            if not privileged and state.rule('list_databases_filtered', 'ListDatabases for a caller that is '
                                             'neither root nor admin (2.4+ filter the list by grants)'):
                raise Gap(state.profile, 'ListDatabases for a caller that is neither root nor admin')
            return milvus_pb2.ListDatabasesResponse(status=common_pb2.Status(), db_names=list(state.databases))
        return self._call(context, request, milvus_pb2.ListDatabasesResponse, handle)

    def CreateDatabase(self, request, context):
        def handle(req, user, ctx):
            self._validate_name(req.db_name, 'database name')
            if req.db_name in self.state.databases:
                raise self._refusal('database already exist: %s' % req.db_name)
            self.state.databases.append(req.db_name)
            self.state.collections[req.db_name] = {}
        return self._call(context, request, common_pb2.Status, handle)

    def DropDatabase(self, request, context):
        def handle(req, user, ctx):
            if req.db_name == DEFAULT_DB:
                raise invalid('can not drop default database')
            if req.db_name in self.state.databases:
                self.state.databases.remove(req.db_name)
                self.state.collections.pop(req.db_name, None)
            # Grants survive DropDatabase (measured on 2.3.5).
        return self._call(context, request, common_pb2.Status, handle)

    def _db(self, request, context):
        return request.db_name or dict(context.invocation_metadata()).get('dbname') or DEFAULT_DB

    def CreateCollection(self, request, context):
        def handle(req, user, ctx):
            db = self._db(req, ctx)
            if db not in self.state.databases:
                raise self._refusal('database not found[database=%s]' % db)
            self._validate_name(req.collection_name, 'collection name')
            self.state.collections[db].setdefault(req.collection_name, [])
        return self._call(context, request, common_pb2.Status, handle)

    def ShowCollections(self, request, context):
        def handle(req, user, ctx):
            names = list(self.state.collections.get(self._db(req, ctx), {}))
            return milvus_pb2.ShowCollectionsResponse(status=common_pb2.Status(), collection_names=names)
        return self._call(context, request, milvus_pb2.ShowCollectionsResponse, handle)

    def DropCollection(self, request, context):
        def handle(req, user, ctx):
            self.state.collections.get(self._db(req, ctx), {}).pop(req.collection_name, None)
        return self._call(context, request, common_pb2.Status, handle)

    def CreateAlias(self, request, context):
        """rootcoord meta_table.go CreateAlias: the same alias again is fine; a name taken is not."""
        def handle(req, user, ctx):
            collections = self.state.collections.get(self._db(req, ctx), {})
            if req.collection_name not in collections:
                raise self._refusal('collection not found[collection=%s]' % req.collection_name)
            if req.alias in collections[req.collection_name]:
                return
            if any(req.alias in aliases or req.alias == name for name, aliases in collections.items()):
                raise self._refusal('alias exists and already aliased to another collection: %s' % req.alias)
            collections[req.collection_name].append(req.alias)
        return self._call(context, request, common_pb2.Status, handle)

    def DropAlias(self, request, context):
        def handle(req, user, ctx):
            for aliases in self.state.collections.get(self._db(req, ctx), {}).values():
                if req.alias in aliases:
                    aliases.remove(req.alias)
        return self._call(context, request, common_pb2.Status, handle)

    def ListAliases(self, request, context):
        """rootcoord meta_table.go ListAliases (2.6): every alias of the database when collection_name is
        empty, else the collection's; a database or collection that does not exist is refused."""
        def handle(req, user, ctx):
            db = self._db(req, ctx)
            if db not in self.state.databases:
                raise self._refusal('database not found[database=%s]' % db)
            collections = self.state.collections.get(db, {})
            if req.collection_name and req.collection_name not in collections:
                raise self._refusal('collection not found[collection=%s]' % req.collection_name)
            names = collections.get(req.collection_name) if req.collection_name else \
                [alias for aliases in collections.values() for alias in aliases]
            return milvus_pb2.ListAliasesResponse(status=common_pb2.Status(), db_name=db,
                                                  collection_name=req.collection_name, aliases=names)
        return self._call(context, request, milvus_pb2.ListAliasesResponse, handle)

    def DescribeAlias(self, request, context):
        """rootcoord meta_table.go DescribeAlias (2.6): the alias's collection, else "alias not found"."""
        def handle(req, user, ctx):
            db = self._db(req, ctx)
            for collection, aliases in self.state.collections.get(db, {}).items():
                if req.alias in aliases:
                    return milvus_pb2.DescribeAliasResponse(status=common_pb2.Status(), db_name=db,
                                                            alias=req.alias, collection=collection)
            raise self._refusal('alias not found[database=%s][alias=%s]' % (db, req.alias))
        return self._call(context, request, milvus_pb2.DescribeAliasResponse, handle)


def serve(state, host='127.0.0.1', port=0, workers=8):
    """A started grpc.Server for `state` and the port it listens on."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    milvus_pb2_grpc.add_MilvusServiceServicer_to_server(Servicer(state), server)
    bound = server.add_insecure_port('%s:%d' % (host, port))
    if not bound:
        raise RuntimeError('could not bind %s:%d' % (host, port))
    server.start()
    return server, bound
