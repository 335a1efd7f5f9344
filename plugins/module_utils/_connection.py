# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one place that knows how to connect to Milvus / Zilliz Cloud.

- CONNECTION_ARGSPEC: the connection options (documented once in the
  zilliz.cloud.connection doc fragment), each with its environment fallback.
- Connection: opens a dedicated pymilvus MilvusClient with TLS mapped from the
  options, bounds every call with the timeout, turns every failure into a
  ZillizError, and checks whether a user/password pair authenticates.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import concurrent.futures
import logging
import os
import tempfile
import time
import traceback
import uuid

from ansible.module_utils.common.parameters import env_fallback
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    AUTH_FAILED, FORBIDDEN, INVALID_INPUT, SERVER_ERROR, TIMEOUT, TLS_ERROR, UNREACHABLE,
    ZillizError, classify, scrub, server_message, transport_detail,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import uri_problems

# gRPC's C core prints TLS diagnostics to stderr unless told not to; it reads
# this once, when grpc loads, so it has to be set before pymilvus is imported.
os.environ.setdefault('GRPC_VERBOSITY', 'NONE')

PYMILVUS_IMPORT_ERROR = None
try:
    import grpc
    from pymilvus import MilvusClient
    try:
        from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc
    except ImportError:  # pragma: no cover - layout of very old releases
        milvus_pb2 = milvus_pb2_grpc = None
    HAS_PYMILVUS = True
except ImportError:
    HAS_PYMILVUS = False
    PYMILVUS_IMPORT_ERROR = traceback.format_exc()
    grpc = MilvusClient = milvus_pb2 = milvus_pb2_grpc = None


def quiet_pymilvus_logging():
    """pymilvus logs every failed RPC with a traceback at ERROR: keep that off
    the user's terminal (it configures its loggers on import, so do it after)."""
    for name in ('pymilvus', 'pymilvus.decorators', 'pymilvus.client', 'grpc'):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


if HAS_PYMILVUS:
    quiet_pymilvus_logging()


def set_env_fallback(*names):
    """Like env_fallback, but an empty variable counts as unset: AWX sets every
    injector of a credential type, with '' for inputs left empty."""
    for name in names:
        if os.environ.get(name):
            return env_fallback(name)
    raise AnsibleFallbackNotFound


CONNECTION_ARGSPEC = dict(
    uri=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_URI', 'MILVUS_URI'])),
    token=dict(type='str', no_log=True, fallback=(set_env_fallback, ['ZILLIZ_TOKEN'])),
    login_user=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_USER'])),
    login_password=dict(type='str', no_log=True, fallback=(set_env_fallback, ['ZILLIZ_PASSWORD'])),
    secure=dict(type='bool', fallback=(set_env_fallback, ['ZILLIZ_SECURE'])),
    ca_cert=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_CA_CERT'])),
    server_name=dict(type='str', fallback=(set_env_fallback, ['ZILLIZ_SERVER_NAME'])),
    client_cert=dict(type='path', fallback=(set_env_fallback, ['ZILLIZ_CLIENT_CERT'])),
    client_key=dict(type='path', no_log=False, fallback=(set_env_fallback, ['ZILLIZ_CLIENT_KEY'])),
    timeout=dict(type='float', default=10.0, fallback=(set_env_fallback, ['ZILLIZ_TIMEOUT'])),
)

CONNECTION_MUTUALLY_EXCLUSIVE = [('token', 'login_user'), ('token', 'login_password')]
CONNECTION_REQUIRED_TOGETHER = [('client_cert', 'client_key')]


def connection_problems(params):
    """Connection option problems found without any RPC."""
    problems = list(uri_problems(params.get('uri')))
    if params.get('login_user') and not params.get('login_password'):
        problems.append('login_user %r needs login_password (or ZILLIZ_PASSWORD)' % params['login_user'])
    if params.get('login_password') and not params.get('login_user'):
        problems.append('login_password needs login_user (or ZILLIZ_USER)')
    timeout = params.get('timeout')
    if timeout is not None and timeout <= 0:
        problems.append('timeout must be a positive number of seconds, got %s' % timeout)
    for option in ('client_cert', 'client_key'):
        path = params.get(option)
        if path and not os.path.isfile(path):
            problems.append('%s %r is not a readable file' % (option, path))
    ca_cert = params.get('ca_cert')
    if ca_cert and not _is_inline_pem(ca_cert) and not os.path.isfile(ca_cert):
        problems.append('ca_cert %r is neither a PEM certificate nor a readable file' % ca_cert)
    return problems


def _is_inline_pem(value):
    return value.lstrip().startswith('-----BEGIN')


def login_identity(params):
    """The user the module connects as, when it can be known (None for an API key)."""
    if params.get('login_user'):
        return params['login_user']
    token = params.get('token') or ''
    if ':' in token:
        return token.split(':', 1)[0]
    return None


class Connection:
    """A dedicated MilvusClient for one module run, plus a password checker
    that reuses its TLS channel. Use as a context manager."""

    def __init__(self, params):
        self.params = params
        self.uri = params['uri']
        self.timeout = float(params.get('timeout') or 10.0)
        self.user = login_identity(params)
        self.secrets = [s for s in (params.get('token'), params.get('login_password')) if s]
        self.client = None
        self.latency_ms = None
        self._temp_files = []

    # ----- opening -------------------------------------------------------
    def _secure(self):
        if self.params.get('secure') is not None:
            return bool(self.params['secure'])
        return self.uri.lower().startswith('https://')

    def _tls_kwargs(self):
        if not self._secure():
            return {}
        kwargs = {'secure': True}
        ca_cert = self.params.get('ca_cert')
        ca_path = self._materialise_pem(ca_cert) if ca_cert else None
        if self.params.get('server_name'):
            kwargs['server_name'] = self.params['server_name']
        if self.params.get('client_cert'):
            # Mutual TLS: pymilvus uses the client pair only when ca_pem_path is
            # given and server_pem_path is not (server_pem_path would win).
            kwargs['client_pem_path'] = self.params['client_cert']
            kwargs['client_key_path'] = self.params['client_key']
            if ca_path:
                kwargs['ca_pem_path'] = ca_path
        elif ca_path:
            # One-way TLS verifies against server_pem_path; ca_pem_path alone is ignored.
            kwargs['server_pem_path'] = ca_path
        return kwargs

    def _materialise_pem(self, value):
        if not _is_inline_pem(value):
            return value
        handle, path = tempfile.mkstemp(prefix='zilliz-ca-', suffix='.pem')
        with os.fdopen(handle, 'w') as stream:
            stream.write(value)
        self._temp_files.append(path)
        return path

    def _credentials(self):
        if self.params.get('token'):
            return {'token': self.params['token']}
        if self.params.get('login_user'):
            return {'user': self.params['login_user'], 'password': self.params.get('login_password') or ''}
        return {}

    def open(self):
        started = time.monotonic()
        try:
            self.client = MilvusClient(uri=self.uri, dedicated=True, timeout=self.timeout,
                                       **dict(self._credentials(), **self._tls_kwargs()))
        except Exception as exc:  # pylint: disable=broad-except
            self.close()
            raise self.error(exc, 'connect')
        self.latency_ms = round((time.monotonic() - started) * 1000.0, 1)
        return self

    def close(self):
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # pylint: disable=broad-except
                pass
            self.client = None
        for path in self._temp_files:
            try:
                os.unlink(path)
            except OSError:
                pass
        self._temp_files = []

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc_info):
        self.close()

    # ----- calls ----------------------------------------------------------
    def call(self, operation, what, *args, **kwargs):
        """client.<operation>(*args, timeout=...) with failures turned into ZillizError."""
        try:
            return getattr(self.client, operation)(*args, timeout=self.timeout, **kwargs)
        except Exception as exc:  # pylint: disable=broad-except
            raise self.error(exc, what)

    def handler(self):
        return self.client._get_connection()  # pylint: disable=protected-access

    def list_users_with_roles(self):
        """{user: set(roles)} in one SelectUser RPC (include_role_info)."""
        try:
            info = self.handler().select_all_user(True, timeout=self.timeout)
            return dict((group.username, set(group.roles)) for group in info.groups)
        except AttributeError:
            names = self.call('list_users', 'list users')
            return dict((name, set(self.call('describe_user', 'read user %s' % name, name).get('roles', ())))
                        for name in names)
        except Exception as exc:  # pylint: disable=broad-except
            raise self.error(exc, 'list users and their roles')

    def list_roles(self):
        return set(self.call('list_roles', 'list roles'))

    def describe_user_roles(self, name):
        """Roles of one user via describe_user (allowed for a user reading itself)."""
        described = self.call('describe_user', 'read user %s' % name, name)
        return sorted(described.get('roles', ())) if described else None

    def server_version(self):
        return self.call('get_server_version', 'read the server version')

    # ----- password checks -----------------------------------------------
    def _probe_channel(self):
        return getattr(self.handler(), '_channel', None)

    def authenticates(self, user, password):
        """True when user/password is accepted by the server right now.

        Fast path: one Connect RPC on this connection's channel with that
        user's authorization header (no new TLS handshake); fallback: a
        short-lived dedicated client. Only UNAUTHENTICATED means "no"."""
        channel = self._probe_channel() if milvus_pb2_grpc is not None else None
        if channel is not None:
            header = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8')).decode('ascii')
            stub = milvus_pb2_grpc.MilvusServiceStub(channel)
            try:
                stub.Connect(milvus_pb2.ConnectRequest(), timeout=self.timeout,
                             metadata=(('authorization', header),))
                return True
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                    return False
                if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise self.error(exc, 'check the password of user %s' % user)
        return self._authenticates_with_new_client(user, password)

    def check_passwords(self, pairs, workers=8):
        """{user: authenticates} for (user, password) pairs, checked concurrently
        (the server does the bcrypt work; the client only waits)."""
        if not pairs:
            return {}
        if len(pairs) == 1:
            return {pairs[0][0]: self.authenticates(*pairs[0])}
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(pairs))) as pool:
            outcomes = list(pool.map(lambda pair: self.authenticates(*pair), pairs))
        return dict((name, ok) for (name, dummy), ok in zip(pairs, outcomes))

    def _authenticates_with_new_client(self, user, password):
        client = None
        try:
            client = MilvusClient(uri=self.uri, user=user, password=password, dedicated=True,
                                  timeout=self.timeout, **self._tls_kwargs())
            client.get_server_version(timeout=self.timeout)
            return True
        except Exception as exc:  # pylint: disable=broad-except
            if classify(exc) == AUTH_FAILED:
                return False
            raise self.error(exc, 'check the password of user %s' % user, extra_secrets=[password])
        finally:
            if client is not None:
                client.close()

    def auth_enabled(self):
        """Whether the server rejects a credential that cannot be valid.

        With authorization disabled Milvus accepts any credential, so a
        successful login proves nothing there."""
        bogus_user = 'zz_probe_%s' % uuid.uuid4().hex[:12]
        return not self.authenticates(bogus_user, uuid.uuid4().hex)

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
        return ZillizError(category, scrub(msg, secrets), server_detail=detail)

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
            return ('Cannot reach %s to %s: nothing answered (connection refused, wrong host or port, or the '
                    'cluster is down). If the server uses TLS, use an https:// uri or secure=true. Detail: %s'
                    % (where, what, detail))
        if category == TLS_ERROR:
            return ('TLS handshake with %s failed: the certificate does not verify against ca_cert, the host name '
                    'does not match (see server_name), mutual TLS needs client_cert and client_key, or one side '
                    'does not speak TLS (http:// vs https://). Detail: %s' % (where, detail))
        if category == TIMEOUT:
            return ('%s did not answer within %s seconds while trying to %s: the server is overloaded, paused '
                    'or not a Milvus server. Raise timeout if it is just slow.' % (where, self.timeout, what))
        if category == FORBIDDEN:
            who = ('user %r' % self.user) if self.user else 'this credential'
            return ('%s is not allowed to %s on %s: connect as a user with the admin role (db_admin on '
                    'Zilliz Cloud, root on Milvus). Server said: %s' % (who, what, where, detail))
        if category == INVALID_INPUT:
            return 'The server rejected the request to %s: %s' % (what, detail)
        return 'The server failed to %s: %s' % (what, detail)


__all__ = ['CONNECTION_ARGSPEC', 'CONNECTION_MUTUALLY_EXCLUSIVE', 'CONNECTION_REQUIRED_TOGETHER',
           'Connection', 'HAS_PYMILVUS', 'PYMILVUS_IMPORT_ERROR', 'connection_problems', 'login_identity',
           'SERVER_ERROR', 'INVALID_INPUT', 'TIMEOUT', 'TLS_ERROR', 'UNREACHABLE']
