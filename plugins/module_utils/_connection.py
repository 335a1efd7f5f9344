# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one place that knows how to talk to Milvus / Zilliz Cloud.

- CONNECTION_ARGSPEC: the connection options (documented once in the
  zilliz.cloud.connection doc fragment), each with its environment fallback.
- Connection: one gRPC channel per module run, TLS mapped from the options,
  the credential sent as Milvus' authorization header, every call bounded by
  the timeout, every failure turned into a ZillizError; and a cheap check of
  whether a user/password pair authenticates (one Connect RPC on the same
  channel with that user's header: no new TLS handshake).

Why raw gRPC instead of pymilvus.MilvusClient: importing pymilvus costs about
a second per module run (pandas, numpy), more than everything else a module
does. The Milvus protocol stubs that pymilvus ships load in about 0.1 s on
their own, so they are loaded without the rest of the package. pymilvus is
still the dependency: it provides those stubs, matched to the Milvus API.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import concurrent.futures
import importlib.util
import logging
import math
import os
import random
import sys
import time
import traceback
import types
import uuid

from ansible.module_utils.common.parameters import env_fallback
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    AUTH_FAILED, FORBIDDEN, INVALID_INPUT, MILVUS_LEGACY_RATE_LIMIT, TIMEOUT, TLS_ERROR, UNREACHABLE,
    ZillizError, classify, is_not_grpc_endpoint, is_transient, refusal, scrub, server_message, transport_detail,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    cleartext_problems, uri_problems, uses_tls,
)

from urllib.parse import urlsplit

# gRPC's C core prints diagnostics to stderr unless told not to, and its
# tracing (GRPC_TRACE with GRPC_VERBOSITY=DEBUG) prints request headers, the
# authorization header included. It reads both once, when grpc loads.
os.environ['GRPC_VERBOSITY'] = 'NONE'
os.environ.pop('GRPC_TRACE', None)


def _load_milvus_protos():
    """(grpc, milvus_pb2, milvus_pb2_grpc, common_pb2) without running
    pymilvus/__init__.py (which imports pandas and numpy)."""
    import grpc  # pylint: disable=import-outside-toplevel
    if 'pymilvus' in sys.modules:
        protos = importlib.import_module('pymilvus.grpc_gen')
    else:
        spec = importlib.util.find_spec('pymilvus')
        if spec is None or not spec.submodule_search_locations:
            raise ImportError('No module named pymilvus')
        placeholder = types.ModuleType('pymilvus')
        placeholder.__path__ = list(spec.submodule_search_locations)
        sys.modules['pymilvus'] = placeholder
        try:
            protos = importlib.import_module('pymilvus.grpc_gen')
        finally:
            # A later real `import pymilvus` runs normally and reuses the stubs.
            if sys.modules.get('pymilvus') is placeholder:
                del sys.modules['pymilvus']
    return grpc, protos.milvus_pb2, protos.milvus_pb2_grpc, protos.common_pb2


PYMILVUS_IMPORT_ERROR = None
try:
    grpc, milvus_pb2, milvus_pb2_grpc, common_pb2 = _load_milvus_protos()
    HAS_PYMILVUS = True
    logging.getLogger('grpc').setLevel(logging.CRITICAL + 1)
except ImportError:
    HAS_PYMILVUS = False
    PYMILVUS_IMPORT_ERROR = traceback.format_exc()
    grpc = milvus_pb2 = milvus_pb2_grpc = common_pb2 = None

# Indirections for the unit tests of the retry loop.
_clock = time.monotonic
_sleep = time.sleep

DEFAULT_PORTS = {'https': 443, 'http': 19530, 'tcp': 19530}

DEFAULT_TIMEOUT = 10.0
# Seconds one step (one request and its retries) may spend retrying transient
# failures; never more than `timeout`. Measured through a fault proxy: a cut
# connection is ridden out in 0.1 to 0.3 s, and it is what a server that is
# really gone costs before it is reported unreachable (docs/networks.md).
DEFAULT_RETRY_BUDGET = 2.0
# The largest timeout (and retry budget) accepted, in seconds. Finite because
# gRPC fails a request at once when its deadline overflows (1e10 s, inf);
# an hour because no user or role request of a healthy server comes near it.
MAX_TIMEOUT = 3600
# Backoff between attempts: exponential from RETRY_FIRST_DELAY, capped at
# RETRY_MAX_DELAY, each delay jittered between half and all of it.
RETRY_FIRST_DELAY = 0.1
RETRY_MAX_DELAY = 1.0
# gRPC waits out a reconnect backoff after a failed connection attempt (1 s,
# growing 1.6x to 120 s), and every request on the channel fails at once
# meanwhile: retries would be wasted. Measured: with these, a channel whose
# first two connections were reset was ready again after 0.3 s (2.7 to 3.0 s
# with gRPC's defaults). Not grpc.min_reconnect_backoff_ms: gRPC uses it as
# the minimum connect timeout (20 s), and lowered it fails a connection to a
# hung server as UNAVAILABLE ("timed out before receiving SETTINGS frame")
# instead of letting the request time out.
CHANNEL_OPTIONS = (
    ('grpc.initial_reconnect_backoff_ms', 100),
    ('grpc.max_reconnect_backoff_ms', 1000),
)
# Concurrent requests for different users (password checks, writes). Measured
# with 100 users (create + grant, then a password check each) through the
# fault proxy: over a 50 ms round trip 4 workers take 2.8 + 1.3 s, 16 take
# 0.9 + 0.4 s, 32 take 0.5 + 0.2 s (100 ms: 5.5 + 2.6, 1.6 + 0.7, 1.0 + 0.4).
# On loopback the server's CPU is the limit, and 1000 users take the same
# time (within the noise, 1.5 to 2.5 s) with 16 or 32 workers. 100 workers
# send a 100-user list's creations in one wave instead of four: create + grant
# of 100 users over 50 ms took 0.40 to 0.64 s (median 0.43) against 0.60 to
# 0.90 s (0.66) with 32, and the same on loopback (0.29 to 0.41 s either way).
DEFAULT_WORKERS = 100


class ServerRefusal(Exception):
    """A request the server answered with a non-success status."""

    def __init__(self, code, message):
        super(ServerRefusal, self).__init__(message)
        self.code = code
        self.message = message


def _check_status(status):
    code = getattr(status, 'code', 0)
    legacy = getattr(status, 'error_code', 0)
    if code or legacy:
        if not code:
            # Servers before 2.3 only fill the legacy enum.
            name = common_pb2.ErrorCode.Name(legacy) if legacy in common_pb2.ErrorCode.values() else ''
            code = {'PermissionDenied': 1401, 'RateLimit': MILVUS_LEGACY_RATE_LIMIT}.get(name, 65535)
        raise ServerRefusal(code, status.reason or 'error code %s' % code)


def user_roles(results):
    """{user: set(roles)} from SelectUser results. Milvus lists a phantom role
    "" for a user whose name is a prefix of the name of another user who holds
    a role (milvus-io/milvus#46676, seen on 2.3.5 and 2.5.23): it is no role,
    and revoking it fails, so it is dropped here, where every user listing is read."""
    return dict((r.user.name, set(role.name for role in r.roles if role.name)) for r in results)


def _b64(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


def set_env_fallback(*names):
    """Like env_fallback, but an empty variable counts as unset: AWX sets every
    injector of a credential type, with '' for inputs left empty."""
    for name in names:
        if os.environ.get(name):
            return env_fallback(name)
    raise AnsibleFallbackNotFound


# The credential options and their environment variables. They have no
# per-option fallback: environment_credential() takes the environment's
# credential whole, and only when the task names none.
CREDENTIAL_ENV = (('token', 'ZILLIZ_TOKEN'), ('login_user', 'ZILLIZ_USER'), ('login_password', 'ZILLIZ_PASSWORD'))

# The root password every fresh self-hosted server starts with.
WELL_KNOWN_PASSWORDS = ('Milvus',)

CONNECTION_ARGSPEC = dict(
    uri=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_URI', 'MILVUS_URI'])),
    token=dict(type='str', no_log=True),
    login_user=dict(type='str'),
    login_password=dict(type='str', no_log=True),
    secure=dict(type='bool', fallback=(set_env_fallback, ['ZILLIZ_SECURE'])),
    ca_cert=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_CA_CERT'])),
    server_name=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_SERVER_NAME'])),
    client_cert=dict(type='path', fallback=(set_env_fallback, ['ZILLIZ_CLIENT_CERT'])),
    client_key=dict(type='path', no_log=False, fallback=(set_env_fallback, ['ZILLIZ_CLIENT_KEY'])),
    timeout=dict(type='float', default=DEFAULT_TIMEOUT, fallback=(set_env_fallback, ['ZILLIZ_TIMEOUT'])),
    retry_budget=dict(type='float', default=DEFAULT_RETRY_BUDGET, fallback=(set_env_fallback, ['ZILLIZ_RETRY_BUDGET'])),
)

CONNECTION_REQUIRED_TOGETHER = [('client_cert', 'client_key')]


def environment_credential(params, environ=None):
    """({option: value} to take from the environment, [problems]).

    A credential named in the task or its module_defaults (token, or
    login_user and login_password) is used as given, and the environment adds
    nothing to it: AWX injects every ZILLIZ_* variable whatever a playbook
    names, and halves of two credentials must never mix. Only when the task
    names none does the environment supply one: ZILLIZ_TOKEN, or ZILLIZ_USER
    with ZILLIZ_PASSWORD. Empty variables count as unset (AWX sets '')."""
    environ = os.environ if environ is None else environ
    if any(params.get(option) for option, dummy in CREDENTIAL_ENV):
        return {}, []
    found = dict((option, environ[name]) for option, name in CREDENTIAL_ENV if environ.get(name))
    if 'token' in found and len(found) > 1:
        pair = ' and '.join(name for option, name in CREDENTIAL_ENV if option != 'token' and option in found)
        return {}, ['the environment holds two credentials, ZILLIZ_TOKEN and %s: unset one of them, or name the '
                    'credential in the task or module_defaults (token, or login_user and login_password), which '
                    'then wins over the whole environment' % pair]
    if 'login_user' in found and 'login_password' not in found:
        return {}, ['ZILLIZ_USER is set without ZILLIZ_PASSWORD: set both, or name the credential in the task']
    if 'login_password' in found and 'login_user' not in found:
        return {}, ['ZILLIZ_PASSWORD is set without ZILLIZ_USER: set both, or name the credential in the task']
    return found, []


def connection_problems(params):
    """Connection option problems found without any RPC."""
    problems = uri_problems(params.get('uri')) or cleartext_problems(params['uri'], params.get('secure'))
    # Checked here rather than with AnsibleModule's mutually_exclusive, which
    # counts an option passed as null (the role's module_defaults do that).
    if params.get('token') and (params.get('login_user') or params.get('login_password')):
        problems.append('token and login_user/login_password are mutually exclusive: give one credential')
    # The environment never completes a credential named in the task.
    elif params.get('login_user') and not params.get('login_password'):
        problems.append('login_user %r needs login_password, given with it (in the task or module_defaults; '
                        'ZILLIZ_PASSWORD is used only with ZILLIZ_USER)' % params['login_user'])
    elif params.get('login_password') and not params.get('login_user'):
        problems.append('login_password needs login_user, given with it (in the task or module_defaults; '
                        'ZILLIZ_USER is used only with ZILLIZ_PASSWORD)')
    timeout = params.get('timeout')
    if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        problems.append('timeout must be a number of seconds above 0 and at most %d (an hour), got %s: every '
                        'request is bounded by it, and a longer wait only delays the report of a hung server'
                        % (MAX_TIMEOUT, timeout))
    budget = params.get('retry_budget')
    if budget is not None and not (math.isfinite(budget) and 0 <= budget <= MAX_TIMEOUT):
        problems.append('retry_budget must be 0 (no retries) or a number of seconds up to %d, got %s (it never '
                        'exceeds timeout anyway)' % (MAX_TIMEOUT, budget))
    for option in ('client_cert', 'client_key'):
        path = params.get(option)
        if path and not _readable(path):
            problems.append('%s %r is not a readable file' % (option, path))
    ca_cert = params.get('ca_cert')
    if ca_cert and not _is_inline_pem(ca_cert) and not _readable(ca_cert):
        problems.append('ca_cert %r is neither a PEM certificate nor a readable file' % ca_cert)
    return problems


def _readable(path):
    return os.path.isfile(path) and os.access(path, os.R_OK)


def _is_inline_pem(value):
    return value.lstrip().startswith('-----BEGIN')


def retry_delay(attempt, jitter=random.random):
    """Seconds to wait before retry number `attempt` (0 for the first):
    exponential, capped, with jitter so that concurrent requests that failed
    together do not come back together."""
    ceiling = min(RETRY_MAX_DELAY, RETRY_FIRST_DELAY * (2 ** attempt))
    return ceiling * (0.5 + 0.5 * jitter())


class _Failed(Exception):
    """The last failure of a request, after its retries (internal)."""

    def __init__(self, exc, retried):
        super(_Failed, self).__init__(str(exc))
        self.exc = exc
        self.retried = retried


def login_credential(params):
    """(user, password) the module connects as, each None when unknown: an API
    key names no user; a `user:password` token does."""
    if params.get('login_user'):
        return params['login_user'], params.get('login_password')
    token = params.get('token') or ''
    if ':' in token:
        user, password = token.split(':', 1)
        return user, password
    return None, None


def login_identity(params):
    """The user the module connects as, when it can be known (None for an API key)."""
    return login_credential(params)[0]


class Connection:
    """One gRPC channel to the server for one module run. Use as a context manager."""

    def __init__(self, params):
        self.params = params
        self.uri = params['uri']
        self.timeout = float(params.get('timeout') or DEFAULT_TIMEOUT)
        budget = params.get('retry_budget')
        self.retry_budget = min(self.timeout, float(DEFAULT_RETRY_BUDGET if budget is None else budget))
        self.workers = DEFAULT_WORKERS
        # The login user and its current password, when known.
        self.user, self.login_password = login_credential(params)
        # Whether the requests carry any credential (the server needs one for privilege changes).
        self.has_credential = bool(self.user or params.get('token'))
        self.secrets = [s for s in (params.get('token'), params.get('login_password')) if s]
        self.latency_ms = None
        self._profile = None
        self._channel = None
        self._stub = None
        self._metadata = ()

    # ----- opening -------------------------------------------------------
    def _secure(self):
        return uses_tls(self.uri, self.params.get('secure'))

    def _address(self):
        parts = urlsplit(self.uri)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 19530)
        host = parts.hostname
        return '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)

    def _read(self, path):
        try:
            with open(path, 'rb') as stream:
                return stream.read()
        except (IOError, OSError) as exc:
            raise ZillizError(INVALID_INPUT, 'cannot read %s: %s' % (path, exc.strerror or exc))

    def _channel_for(self):
        address = self._address()
        options = list(CHANNEL_OPTIONS)
        if not self._secure():
            return grpc.insecure_channel(address, options=options)
        if self.params.get('server_name'):
            options.append(('grpc.ssl_target_name_override', self.params['server_name']))
        ca_cert = self.params.get('ca_cert')
        root = None
        if ca_cert:
            root = ca_cert.encode('utf-8') if _is_inline_pem(ca_cert) else self._read(ca_cert)
        key = chain = None
        if self.params.get('client_cert'):
            chain = self._read(self.params['client_cert'])
            key = self._read(self.params['client_key'])
        credentials = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=chain)
        return grpc.secure_channel(address, credentials, options=options)

    def _authorization(self):
        if self.params.get('token'):
            credential = self.params['token']
        elif self.params.get('login_user'):
            credential = '%s:%s' % (self.params['login_user'], self.params.get('login_password') or '')
        else:
            return ()
        return (('authorization', _b64(credential)),)

    def open(self):
        """Open the channel and authenticate (Connect RPC)."""
        started = time.monotonic()
        try:
            self._channel = self._channel_for()
            self._stub = milvus_pb2_grpc.MilvusServiceStub(self._channel)
            self._metadata = self._authorization()
            self._rpc('Connect', milvus_pb2.ConnectRequest(), 'connect')
        except ZillizError:
            self.close()
            raise
        except Exception as exc:  # pylint: disable=broad-except
            self.close()
            raise self.error(exc, 'connect')
        self.latency_ms = round((time.monotonic() - started) * 1000.0, 1)
        return self

    def close(self):
        if self._channel is not None:
            try:
                self._channel.close()
            except Exception:  # pylint: disable=broad-except
                pass
            self._channel = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc_info):
        self.close()

    # ----- calls ----------------------------------------------------------
    def _send(self, method, request, metadata):
        """stub.<method>(request), sent again after transient failures.

        The step (first attempt and retries) ends within `timeout`: each
        attempt gets what is left of it, and no retry starts once
        `retry_budget` has passed. Raises _Failed with the last failure."""
        started = _clock()
        retry_until = started + self.retry_budget
        attempt = 0
        while True:
            try:
                response = getattr(self._stub, method)(request, timeout=max(0.001, started + self.timeout - _clock()),
                                                       metadata=metadata)
                _check_status(getattr(response, 'status', response))
                return response
            except Exception as exc:  # pylint: disable=broad-except
                delay = retry_delay(attempt)
                if not is_transient(exc) or _clock() + delay >= retry_until:
                    raise _Failed(exc, attempt > 0)
            _sleep(delay)
            attempt += 1

    def _rpc(self, method, request, what, extra_secrets=()):
        """stub.<method>(request) with retries, bounded by the timeout; any
        failure -> ZillizError. `after_retry` on the error says that an earlier
        attempt was lost in transit: a refusal may then answer this run's own
        write ("already exists" for a creation that did go through)."""
        try:
            return self._send(method, request, self._metadata)
        except _Failed as failed:
            error = self.error(failed.exc, what, extra_secrets)
            error.after_retry = failed.retried
            raise error from failed.exc

    def server_version(self):
        return self._rpc('GetVersion', milvus_pb2.GetVersionRequest(), 'read the server version').version

    def profile(self):
        """The server profile (_server.py): one GetVersion per run, then remembered."""
        if self._profile is None:
            self._profile = detect(self.server_version(), self.uri)
        return self._profile

    def _select_users(self, name, what):
        request = milvus_pb2.SelectUserRequest(include_role_info=True)
        if name:
            request.user.name = name
        return user_roles(self._rpc('SelectUser', request, what).results)

    def list_users_with_roles(self):
        """{user: set(roles)} for every user, in one SelectUser RPC."""
        return self._select_users(None, 'list users and their roles')

    def users_with_roles(self, only=None):
        """{user: set(roles)}: every user, or only `only` (one RPC either way).
        Reading one user needs no privilege when it is the login user."""
        if only is None:
            return self.list_users_with_roles()
        return self._select_users(only, 'read user %s' % only)

    def describe_user_roles(self, name):
        """Sorted roles of one user (a user may read itself), None when it does not exist."""
        users = self.users_with_roles(only=name)
        return sorted(users[name]) if name in users else None

    def list_roles(self):
        results = self._rpc('SelectRole', milvus_pb2.SelectRoleRequest(include_user_info=False), 'list roles').results
        return set(r.role.name for r in results)

    def create_user(self, name, password):
        self._rpc('CreateCredential', milvus_pb2.CreateCredentialRequest(username=name, password=_b64(password)),
                  'create user %s' % name, extra_secrets=[password])

    def update_password(self, name, old_password, new_password):
        request = milvus_pb2.UpdateCredentialRequest(username=name, oldPassword=_b64(old_password),
                                                     newPassword=_b64(new_password))
        self._rpc('UpdateCredential', request, 'change the password of user %s' % name,
                  extra_secrets=[old_password, new_password])

    def drop_user(self, name):
        self._rpc('DeleteCredential', milvus_pb2.DeleteCredentialRequest(username=name), 'drop user %s' % name)

    def _operate_role(self, name, role, operation, what):
        request = milvus_pb2.OperateUserRoleRequest(username=name, role_name=role, type=operation)
        self._rpc('OperateUserRole', request, what)

    def grant_role(self, name, role):
        self._operate_role(name, role, milvus_pb2.OperateUserRoleType.AddUserToRole,
                           'grant role %s to user %s' % (role, name))

    def revoke_role(self, name, role):
        self._operate_role(name, role, milvus_pb2.OperateUserRoleType.RemoveUserFromRole,
                           'revoke role %s from user %s' % (role, name))

    # ----- roles and privileges -----------------------------------------
    def roles_with_members(self):
        """{role: set(member user names)} for every role, in one SelectRole RPC."""
        request = milvus_pb2.SelectRoleRequest(include_user_info=True)
        results = self._rpc('SelectRole', request, 'list roles and their members').results
        return dict((r.role.name, set(u.name for u in r.users if u.name)) for r in results if r.role.name)

    def list_databases(self):
        return list(self._rpc('ListDatabases', milvus_pb2.ListDatabasesRequest(), 'list databases').db_names)

    def role_grants(self, role, db_name):
        """[(object_type, object_name, db_name, privilege)] of one role as SelectGrant
        answers for db_name: one database (plus the grants stored under `*`), or
        `*`, which is every database on servers whose profile says so. Grants
        with an empty privilege name are no grants (milvus-io/milvus#49989)."""
        entity = milvus_pb2.GrantEntity(role=milvus_pb2.RoleEntity(name=role), db_name=db_name)
        what = 'read the privileges of role %s in %s' % (
            role, 'every database' if db_name == '*' else 'database %s' % db_name)
        entities = self._rpc('SelectGrant', milvus_pb2.SelectGrantRequest(entity=entity), what).entities
        return [(e.object.name, e.object_name, e.db_name, e.grantor.privilege.name) for e in entities
                if e.grantor.privilege.name]

    def collection_aliases(self, db_name):
        """{alias: collection} of one database (ListAliases, then DescribeAlias per alias)."""
        aliases = self._rpc('ListAliases', milvus_pb2.ListAliasesRequest(db_name=db_name),
                            'list the collection aliases of database %s' % db_name).aliases

        def describe(alias):
            answer = self._rpc('DescribeAlias', milvus_pb2.DescribeAliasRequest(db_name=db_name, alias=alias),
                               'describe collection alias %s in database %s' % (alias, db_name))
            return answer.collection
        return dict(zip(aliases, self.map(describe, aliases)))

    def create_role(self, name):
        self._rpc('CreateRole', milvus_pb2.CreateRoleRequest(entity=milvus_pb2.RoleEntity(name=name)),
                  'create role %s' % name)

    def drop_role(self, name):
        self._rpc('DropRole', milvus_pb2.DropRoleRequest(role_name=name), 'drop role %s' % name)

    def operate_privilege(self, role, grant, object_type, object_name, privilege, db_name, what):
        """Grant (grant=True) or revoke one privilege on one object (OperatePrivilege)."""
        entity = milvus_pb2.GrantEntity(
            role=milvus_pb2.RoleEntity(name=role), object=milvus_pb2.ObjectEntity(name=object_type),
            object_name=object_name, db_name=db_name,
            grantor=milvus_pb2.GrantorEntity(privilege=milvus_pb2.PrivilegeEntity(name=privilege)))
        operation = milvus_pb2.OperatePrivilegeType.Grant if grant else milvus_pb2.OperatePrivilegeType.Revoke
        self._rpc('OperatePrivilege', milvus_pb2.OperatePrivilegeRequest(entity=entity, type=operation), what)

    def operate_privilege_v2(self, role, grant, privilege, db_name, collection_name, what):
        """Grant or revoke a privilege or privilege group on a database and
        collection (OperatePrivilegeV2: Milvus 2.4.18 and later, Zilliz Cloud)."""
        operation = milvus_pb2.OperatePrivilegeType.Grant if grant else milvus_pb2.OperatePrivilegeType.Revoke
        request = milvus_pb2.OperatePrivilegeV2Request(
            role=milvus_pb2.RoleEntity(name=role), type=operation, db_name=db_name, collection_name=collection_name,
            grantor=milvus_pb2.GrantorEntity(privilege=milvus_pb2.PrivilegeEntity(name=privilege)))
        self._rpc('OperatePrivilegeV2', request, what)

    # ----- password checks -----------------------------------------------
    def authenticates(self, user, password):
        """True when user/password is accepted by the server right now: one
        Connect RPC on this channel with that user's authorization header.
        Only UNAUTHENTICATED means "no"; anything else is an error."""
        header = (('authorization', _b64('%s:%s' % (user, password))),)
        try:
            self._send('Connect', milvus_pb2.ConnectRequest(), header)
            return True
        except _Failed as failed:
            exc = failed.exc
            if isinstance(exc, grpc.RpcError) and exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                return False
            raise self.error(exc, 'check the password of user %s' % user, extra_secrets=[password]) from exc

    def map(self, call, items):
        """[call(item) for item in items], the independent requests made
        concurrently on this channel (up to `workers` at once); the first
        failure, in order, is raised once the running ones have ended."""
        items = list(items)
        if len(items) < 2:
            return [call(item) for item in items]
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(call, items))

    def check_passwords(self, pairs):
        """{user: authenticates} for (user, password) pairs, checked concurrently
        (the server does the hashing; the client only waits)."""
        outcomes = self.map(lambda pair: self.authenticates(*pair), pairs)
        return dict((name, ok) for (name, dummy), ok in zip(pairs, outcomes))

    def auth_enabled(self):
        """Whether the server rejects a credential that cannot be valid.

        With authorization disabled Milvus accepts any credential, so a
        successful login proves nothing there."""
        return not self.authenticates('zz_probe_%s' % uuid.uuid4().hex[:12], uuid.uuid4().hex)

    # ----- errors ---------------------------------------------------------
    def error(self, exc, what, extra_secrets=()):
        """A ZillizError for a failed <what>, with a message a person can act on."""
        if isinstance(exc, ZillizError):
            return exc
        secrets = self.secrets + [s for s in extra_secrets if s]
        category = classify(exc)
        raw = transport_detail(exc) if category in (UNREACHABLE, TLS_ERROR, TIMEOUT) else server_message(exc)
        detail = scrub(raw, secrets)
        msg = self._explain(category, what, detail)
        return ZillizError(category, scrub(msg, secrets), server_detail=detail, refusal=refusal(exc))

    def _explain(self, category, what, detail):
        where = self.uri
        if category == AUTH_FAILED:
            who = ('user %r' % self.user) if self.user else 'the token (API key)'
            if what == 'connect':
                return ('Authentication failed for %s at %s: the password or token is wrong, the user does not '
                        'exist, or the cluster is still starting. Check login_user/login_password or token.'
                        % (who, where))
            return 'Authentication failed while trying to %s at %s: %s' % (what, where, detail)
        if category == UNREACHABLE:
            if is_not_grpc_endpoint(detail):
                return ('%s answered, but not as the gRPC endpoint of a vector database server (wrong port?) while trying to %s. '
                        'Detail: %s' % (where, what, detail))
            hint = '' if self._secure() else ' If the server uses TLS, use an https:// uri or secure=true.'
            return ('Cannot reach %s to %s: nothing answered (connection refused, wrong host or port, or the '
                    'cluster is down).%s Detail: %s' % (where, what, hint, detail))
        if category == TLS_ERROR:
            return ('TLS handshake with %s failed: the certificate does not verify against ca_cert, the host name '
                    'does not match (see server_name), mutual TLS needs client_cert and client_key, or one side '
                    'does not speak TLS (http:// vs https://). Detail: %s' % (where, detail))
        if category == TIMEOUT:
            return ('%s did not answer within %s seconds while trying to %s: the server is overloaded, paused '
                    'or not a vector database server. Raise timeout if it is just slow.' % (where, self.timeout, what))
        if category == FORBIDDEN:
            who = ('user %r' % self.user) if self.user else 'this credential'
            return ('%s is not allowed to %s on %s: connect as a user with the admin role (db_admin on '
                    'Zilliz Cloud, root on a self-hosted server). Server said: %s' % (who, what, where, detail))
        if category == INVALID_INPUT:
            return 'The server rejected the request to %s: %s' % (what, detail)
        return 'The server failed to %s: %s' % (what, detail)
