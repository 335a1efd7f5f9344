# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One exception type for every failure the collection reports, and how to
classify pymilvus / gRPC exceptions into it.

INTERNAL: this module is private to the zilliz.cloud collection; its API may
change without notice. Pure Python: no pymilvus import here, so it is unit
tested without a server.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

AUTH_FAILED = 'auth_failed'
UNREACHABLE = 'unreachable'
TLS_ERROR = 'tls_error'
TIMEOUT = 'timeout'
FORBIDDEN = 'forbidden'
INVALID_INPUT = 'invalid_input'
SERVER_ERROR = 'server_error'
LIMIT_EXCEEDED = 'limit_exceeded'
MISSING_LIBRARY = 'missing_library'

# Categories worth retrying while a cluster comes up; never auth_failed.
TRANSIENT_CATEGORIES = (UNREACHABLE, TIMEOUT)

# Milvus server error codes (pkg/util/merr/errors.go).
MILVUS_OLD_PASSWORD_WRONG = 1400
MILVUS_PRIVILEGE_DENIED = 1401
MILVUS_INVALID_PARAMETER = 1100
MILVUS_QUOTA_EXCEEDED = 9

# One vocabulary of server refusals: what a refusal means, whatever version sent it. The texts are the
# same on Milvus 2.3.5 (measured) and the 2.4, 2.5 and 2.6 branches (internal/rootcoord/meta_rbac.go,
# meta_table.go, root_coord.go); the codes are not: 65535 up to 2.6.18, 1100 (invalid parameter) on 2.6
# after commit 39c9b039d2, 9 (quota exceeded) for the user and role limits on 2.6. So a specific code
# decides first, and the text is the fallback for the generic ones.
ALREADY_EXISTS = 'already_exists'           # "user already exists", "role [name:x] already exists"
ROLE_NOT_FOUND = 'role_not_found'           # "not found the role" (2.3-2.6), "role not exists" (2.6 meta)
ROLE_HAS_PRIVILEGES = 'role_has_privileges'  # "fail to drop the role that it has privileges. Use REVOKE API ..."
USER_LIMIT = 'user_limit'                   # "... the number of users has reached the limit"
ROLE_LIMIT = 'role_limit'                   # "... the number of roles has reached the limit"
OLD_PASSWORD_WRONG = 'old_password_wrong'   # code 1400, "old password not correct"
UNKNOWN_PRIVILEGE = 'unknown_privilege'     # "not found the privilege name[Serch]"
UNKNOWN_OBJECT_TYPE = 'unknown_object_type'  # "not found the object type[name: Table] ..."
PRIVILEGE_DENIED = 'privilege_denied'       # code 1401

_REFUSAL_CODES = ((MILVUS_OLD_PASSWORD_WRONG, OLD_PASSWORD_WRONG), (MILVUS_PRIVILEGE_DENIED, PRIVILEGE_DENIED))
_REFUSAL_TEXTS = (
    (USER_LIMIT, ('number of users has reached the limit',)),
    (ROLE_LIMIT, ('number of roles has reached the limit',)),
    (ROLE_HAS_PRIVILEGES, ('role that it has privileges',)),
    (OLD_PASSWORD_WRONG, ('old password not correct',)),
    (UNKNOWN_PRIVILEGE, ('not found the privilege',)),
    (UNKNOWN_OBJECT_TYPE, ('not found the object type',)),
    (ROLE_NOT_FOUND, ('not found the role', 'role not exists', 'role not found')),
    (ALREADY_EXISTS, ('already exist',)),
)
# The category each refusal is reported with, the same on every version.
_REFUSAL_CATEGORIES = {
    OLD_PASSWORD_WRONG: 'auth_failed', PRIVILEGE_DENIED: 'forbidden',
    USER_LIMIT: LIMIT_EXCEEDED, ROLE_LIMIT: LIMIT_EXCEEDED,
    UNKNOWN_PRIVILEGE: INVALID_INPUT, UNKNOWN_OBJECT_TYPE: INVALID_INPUT, ROLE_NOT_FOUND: INVALID_INPUT,
    ALREADY_EXISTS: SERVER_ERROR, ROLE_HAS_PRIVILEGES: SERVER_ERROR,
}
# Rate limiting: merr ErrServiceRateLimit, and the legacy ErrorCode.RateLimit
# of servers that fill only the old enum.
MILVUS_RATE_LIMIT = 8
MILVUS_LEGACY_RATE_LIMIT = 49

# gRPC reports a host name mismatch as "Custom verification check failed with
# error: UNAUTHENTICATED: Hostname Verification Check failed" (status UNAVAILABLE).
# Phrases of gRPC/BoringSSL failure details that mean TLS, each with a space
# or an underscore so that no host name (DNS labels have neither) can match.
_TLS_MARKERS = ('handshake failed', 'ssl_error', 'tsi_', 'certificate verify', 'certificate_verify',
                'peer name', 'verification check', 'wrong_version_number', 'ssl routines', 'ssl_transport')
MASK = '********'


class ZillizError(Exception):
    """A failure with an error_category and a message a person can act on."""

    def __init__(self, category, msg, **details):
        super(ZillizError, self).__init__(msg)
        self.category = category
        self.msg = msg
        self.details = details

    def __str__(self):
        return self.msg


def scrub(text, secrets):
    """Replace every secret in text with a mask (longest first)."""
    if not text:
        return text
    text = str(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _grpc_code_name(exc):
    """The gRPC status name of exc ('UNAVAILABLE', ...) or None."""
    code = getattr(exc, 'code', None)
    if callable(code):
        try:
            code = code()
        except Exception:  # pylint: disable=broad-except
            return None
    name = getattr(code, 'name', None)
    return name if isinstance(name, str) else None


def _details(exc):
    details = getattr(exc, 'details', None)
    if callable(details):
        try:
            return str(details() or '')
        except Exception:  # pylint: disable=broad-except
            return ''
    return ''


def exception_chain(exc):
    """exc and its causes, following __cause__ then __context__, each once."""
    seen = set()
    chain = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ if exc.__cause__ is not None else exc.__context__
    return chain


def describe_failure(exc):
    """Facts about an exception chain: (grpc status names, milvus codes, texts)."""
    statuses, codes, texts = [], [], []
    for item in exception_chain(exc):
        status = _grpc_code_name(item)
        if status:
            statuses.append(status)
            texts.append(_details(item))
        code = getattr(item, 'code', None)
        if isinstance(code, int) and not isinstance(code, bool):
            codes.append(code)
        message = getattr(item, 'message', None)
        texts.append(str(message if isinstance(message, str) else item))
    return statuses, codes, [t for t in texts if t]


def classify(exc):
    """Map any pymilvus/gRPC exception to an error category.

    Decided by gRPC status codes and Milvus error codes, never by message
    text, except to tell a TLS failure from a dead host: both are UNAVAILABLE.
    """
    statuses, codes, texts = describe_failure(exc)
    lowered = ' '.join(texts).lower()
    for status in statuses:
        if status == 'UNAUTHENTICATED':
            return AUTH_FAILED
        if status == 'PERMISSION_DENIED':
            return FORBIDDEN
        if status == 'DEADLINE_EXCEEDED':
            return TIMEOUT
        if status == 'UNAVAILABLE':
            return TLS_ERROR if any(m in lowered for m in _TLS_MARKERS) else UNREACHABLE
        if status == 'INVALID_ARGUMENT':
            return INVALID_INPUT
    kind = _refusal(codes, texts)
    if kind:
        return _REFUSAL_CATEGORIES[kind]
    if MILVUS_INVALID_PARAMETER in codes:
        return INVALID_INPUT
    return SERVER_ERROR


def is_not_grpc_endpoint(detail):
    """gRPC's words for a peer that answered, but not with HTTP/2 (a wrong port:
    an HTTP/1 server). An HTTP/2 proxy's 429/502/503/504 ("Received http2
    header with status: 503") is UNAVAILABLE too, but transient: not this."""
    text = (detail or '').lower()
    return 'http1.x' in text or 'failed parsing http/2' in text


def is_transient(exc):
    """Whether a failed request is worth sending again: gRPC UNAVAILABLE that is
    not a TLS failure nor a non-gRPC peer (refused or reset at connect, a
    connection reset or closed during the request, GOAWAY), or a Milvus
    rate-limit status. Never an answer that decides (UNAUTHENTICATED,
    PERMISSION_DENIED, INVALID_ARGUMENT, any other server refusal), and never
    DEADLINE_EXCEEDED: a request that ran into its own deadline would only
    run into it again."""
    statuses, codes, dummy = describe_failure(exc)
    if statuses:
        return statuses[0] == 'UNAVAILABLE' and classify(exc) == UNREACHABLE \
            and not is_not_grpc_endpoint(transport_detail(exc))
    return MILVUS_RATE_LIMIT in codes or MILVUS_LEGACY_RATE_LIMIT in codes


def server_message(exc):
    """The most specific human text in an exception chain (first Milvus message)."""
    for item in exception_chain(exc):
        message = getattr(item, 'message', None)
        if isinstance(message, str) and message:
            return message
        details = _details(item)
        if details:
            return details
    return str(exc)


def transport_detail(exc):
    """The gRPC status details of the deepest transport error, else the server message."""
    for item in reversed(exception_chain(exc)):
        if _grpc_code_name(item):
            details = _details(item)
            if details:
                return details
    return server_message(exc)


def _refusal(codes, texts):
    for code, kind in _REFUSAL_CODES:
        if code in codes:
            return kind
    lowered = ' '.join(texts).lower()
    for kind, phrases in _REFUSAL_TEXTS:
        if any(phrase in lowered for phrase in phrases):
            return kind
    return None


def refusal(exc):
    """What a server refusal means (ALREADY_EXISTS, USER_LIMIT, ...), or None. exc is the exception a
    request raised or the ZillizError made of it (which keeps the server's words in server_detail)."""
    if isinstance(exc, ZillizError):
        return exc.details.get('refusal')
    statuses, codes, texts = describe_failure(exc)
    if statuses:
        return None     # a transport or authentication status, not a refusal
    return _refusal(codes, texts)
