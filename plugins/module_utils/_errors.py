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
MISSING_LIBRARY = 'missing_library'

# Categories worth retrying while a cluster comes up; never auth_failed.
TRANSIENT_CATEGORIES = (UNREACHABLE, TIMEOUT)

# Milvus server error codes (merr) that pymilvus surfaces as MilvusException.code.
MILVUS_OLD_PASSWORD_WRONG = 1400
MILVUS_PRIVILEGE_DENIED = 1401
MILVUS_INVALID_PARAMETER = 1100
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
    if MILVUS_PRIVILEGE_DENIED in codes:
        return FORBIDDEN
    if MILVUS_OLD_PASSWORD_WRONG in codes:
        return AUTH_FAILED
    if MILVUS_INVALID_PARAMETER in codes:
        return INVALID_INPUT
    if 'retry timeout' in lowered:
        return TIMEOUT
    if 'fail connecting to server' in lowered:
        if any(m in lowered for m in _TLS_MARKERS):
            return TLS_ERROR
        return UNREACHABLE
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


def is_user_exists(exc):
    """True when the server refused create_user because the user exists."""
    return 'already exist' in server_message(exc).lower()


def is_role_not_found(exc):
    text = server_message(exc).lower()
    return 'not found the role' in text or 'role not found' in text
