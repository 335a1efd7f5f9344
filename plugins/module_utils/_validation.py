# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input rules for user names, role names, passwords and URIs. Pure functions
that return a list of problems (empty when valid); nothing here talks to a
server, and no message ever contains a password.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from urllib.parse import urlsplit

USER_NAME_MAX = 32
ROLE_NAME_MAX = 255
MILVUS_PASSWORD_MIN_BYTES = 6
MILVUS_PASSWORD_MAX_BYTES = 72   # bcrypt limit; the server accepts 256 then fails to hash
ZILLIZ_PASSWORD_MIN = 8
ZILLIZ_PASSWORD_MAX = 64
ZILLIZ_PASSWORD_MIN_CLASSES = 3
ZILLIZ_MAX_USERS = 100          # per dedicated cluster, db_admin included

URI_SCHEMES = ('http', 'https', 'tcp')
ZILLIZ_HOST_SUFFIXES = ('.zillizcloud.com', '.cloud.zilliz.com', '.zilliz.com.cn', '.cloud.zilliz.com.cn')

# Host names that mean this machine: RFC 6761 reserves localhost and *.localhost
# for loopback; the others are the loopback aliases of Debian's and Red Hat's
# /etc/hosts.
LOOPBACK_NAMES = ('localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6',
                  'ip6-localhost', 'ip6-loopback')

# Users the modules never drop: the Milvus superuser and the Zilliz Cloud owner account.
BUILTIN_PROTECTED_USERS = ('root', 'db_admin')

# '-' and '.' are accepted by Milvus 2.6 and later only: the server profile refuses them for older servers.
_USER_NAME_RE = re.compile(r'[A-Za-z][A-Za-z0-9_.-]*')
_ROLE_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_$]*$')
_ZILLIZ_ROLE_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]*$')


def user_name_problems(name):
    """Milvus: first character a letter; then letters, digits, underscore (and '-', '.'); 1 to 32."""
    if name is None or name == '':
        return ['user name is empty: give a name that starts with a letter']
    shown = repr(name)
    if len(name) > USER_NAME_MAX:
        return ['user name %s is %d characters long: the limit is %d' % (shown, len(name), USER_NAME_MAX)]
    if not _USER_NAME_RE.fullmatch(name):
        if not re.match(r'[A-Za-z]', name):
            return ['user name %s must start with a letter (A-Z or a-z)' % shown]
        return ['user name %s may contain only letters, digits and underscores (and - or . on Milvus 2.6 and '
                'later)' % shown]
    return []


def role_name_problems(role, policy='milvus'):
    """Milvus: a letter or "_" first, then letters, digits, "_", "$"; at most
    255. Zilliz Cloud (policy 'zilliz'): a letter first, then letters, digits
    and underscores."""
    if role is None or role == '':
        return ['role name is empty']
    if len(role) > ROLE_NAME_MAX:
        return ['role name %r is longer than %d characters' % (role, ROLE_NAME_MAX)]
    if not _ROLE_NAME_RE.match(role):
        return ['role name %r must start with a letter or "_" and contain only letters, digits, "_" and "$"' % role]
    if policy == 'zilliz' and not _ZILLIZ_ROLE_NAME_RE.match(role):
        return ['role name %r must start with a letter and contain only letters, digits and underscores '
                '(Zilliz Cloud; set name_policy=milvus for self-hosted Milvus)' % role]
    return []


def character_classes(password):
    classes = 0
    classes += any(c.isupper() for c in password)
    classes += any(c.islower() for c in password)
    classes += any(c.isdigit() for c in password)
    classes += any(not c.isalnum() for c in password)
    return classes


def password_problems(password, policy, label='password'):
    """Problems with a password under policy 'milvus' or 'zilliz'. Never echoes it."""
    if password is None:
        return []
    problems = []
    size = len(password.encode('utf-8'))
    if size < MILVUS_PASSWORD_MIN_BYTES:
        problems.append('%s is too short: Milvus needs at least %d bytes' % (label, MILVUS_PASSWORD_MIN_BYTES))
    elif size > MILVUS_PASSWORD_MAX_BYTES:
        problems.append('%s is %d bytes long: Milvus hashes passwords with bcrypt, which takes at most %d bytes'
                        % (label, size, MILVUS_PASSWORD_MAX_BYTES))
    if policy == 'zilliz':
        if not ZILLIZ_PASSWORD_MIN <= len(password) <= ZILLIZ_PASSWORD_MAX:
            problems.append('%s has %d characters: Zilliz Cloud requires %d to %d'
                            % (label, len(password), ZILLIZ_PASSWORD_MIN, ZILLIZ_PASSWORD_MAX))
        if character_classes(password) < ZILLIZ_PASSWORD_MIN_CLASSES:
            problems.append('%s must use at least %d of: upper case, lower case, digits, special characters '
                            '(Zilliz Cloud password policy; set password_policy=milvus for self-hosted Milvus)'
                            % (label, ZILLIZ_PASSWORD_MIN_CLASSES))
    return problems


def uri_host(uri):
    """The host of a URI, lower case, without IPv6 brackets; '' when there is none."""
    try:
        return (urlsplit(uri).hostname or '').lower() if uri else ''
    except ValueError:
        return ''


def is_zilliz_cloud_uri(uri):
    host = uri_host(uri)
    return any(host.endswith(suffix) for suffix in ZILLIZ_HOST_SUFFIXES)


def is_serverless_uri(uri):
    """A Zilliz Cloud serverless endpoint: <id>.serverless.<region>.vectordb.zillizcloud.com
    or <id>.serverless.<region>.cloud.zilliz.com."""
    return is_zilliz_cloud_uri(uri) and 'serverless' in uri_host(uri).split('.')


def uses_tls(uri, secure):
    """Whether the connection is made with TLS: `secure` when set, else the scheme."""
    if secure is not None:
        return bool(secure)
    return bool(uri) and uri.lower().startswith('https://')


def is_loopback_host(host):
    """Whether traffic to `host` stays on this machine: a loopback name, an address
    in 127.0.0.0/8 or ::1 (IPv4-mapped too), or the unspecified address 0.0.0.0 / ::,
    which a client connecting to it reaches on the local host."""
    host = (host or '').lower().strip('[]').rstrip('.')
    if host in LOOPBACK_NAMES or host.endswith('.localhost'):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    address = getattr(address, 'ipv4_mapped', None) or address
    return address.is_loopback or address.is_unspecified


def cleartext_problems(uri, secure):
    """A Zilliz Cloud host reached without TLS (http://, or secure=false): the
    login credential would cross the internet in clear text. Refused."""
    if not is_zilliz_cloud_uri(uri):
        return []
    scheme = uri.split('://', 1)[0].lower()
    if scheme != 'http' and uses_tls(uri, secure):
        return []
    how = 'secure=false' if secure is False else '%s://' % scheme
    return ['uri host %s is a Zilliz Cloud endpoint, which must be reached with TLS, but the task asks for %s: the '
            'login credential would cross the internet in clear text. Use https://%s (and leave secure unset or '
            'true)' % (uri_host(uri), how, urlsplit(uri).netloc)]


def cleartext_warning(uri, secure):
    """The warning for a remote host reached without TLS, or None. Quiet for
    loopback, for TLS, for an explicit secure=false (the user said so), and for
    URIs that are refused anyway (invalid, or a Zilliz Cloud host)."""
    if secure is not None or uses_tls(uri, secure) or uri_problems(uri) or cleartext_problems(uri, secure):
        return None
    host = uri_host(uri)
    if is_loopback_host(host):
        return None
    return ('uri host %s is reached without TLS: the login credential and any password this task sets cross the '
            'network in clear text. Use https:// (or secure: true) if the server has TLS; on a trusted network, '
            'set secure: false explicitly to silence this warning.' % host)


def access_management_problems(uri):
    """Users and roles exist on Zilliz Cloud Dedicated clusters only."""
    if not is_serverless_uri(uri):
        return []
    return ['uri host %s is a Zilliz Cloud serverless cluster: Zilliz Cloud manages users and roles on Dedicated '
            'clusters only, and a serverless cluster is reached with an API key or its single cluster credential '
            '(token), managed in the Zilliz Cloud console. Point uri at a Dedicated cluster' % uri_host(uri)]


def effective_policy(policy, uri):
    """'auto' means the Zilliz Cloud rules on Zilliz Cloud hosts, Milvus rules
    elsewhere (password_policy, name_policy)."""
    if policy in (None, 'auto'):
        return 'zilliz' if is_zilliz_cloud_uri(uri) else 'milvus'
    return policy


def _authority(uri):
    """What stands between '://' (or the start) and the first '/': also finds
    user:password@ in a URI that lacks its scheme ('root:pw@host:19530')."""
    return uri.split('://', 1)[-1].split('/', 1)[0]


def uri_credentials(uri):
    """The secret parts of a URI's user information ('user:password@host'),
    for the module to mask in everything it returns (invocation included)."""
    if not uri or not isinstance(uri, str):
        return []
    # A query string or fragment may carry a token (?token=...): mask it whole.
    extra = [part for part in (uri.partition('?')[2], uri.partition('#')[2]) if part]
    authority = _authority(uri)
    if '@' not in authority:
        return extra
    userinfo = authority.rsplit('@', 1)[0]
    user, sep, password = userinfo.partition(':')
    return [value for value in (userinfo if sep else None, password) if value] + extra


def uri_problems(uri):
    """Problems with a connection URI. The URI itself is only echoed when it holds no credentials."""
    if not uri:
        return ['no uri given: set the uri option or the ZILLIZ_URI (or MILVUS_URI) environment variable, '
                'for example https://<cluster-id>.<region>.vectordb.zillizcloud.com:19530 or http://localhost:19530']
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return ['uri has an invalid port: use scheme://host:port with a numeric port']
    if parts.username or parts.password or '@' in (parts.netloc or '') or '@' in _authority(uri):
        return ['uri must not contain credentials (user:password@host): pass them as login_user and '
                'login_password or as token, which are never logged']
    if parts.query or parts.fragment or '?' in uri or '#' in uri:
        return ['uri must not have a query string or fragment (?... or #...): pass credentials as login_user and '
                'login_password or as token, which are never logged']
    if not parts.scheme or not parts.netloc:
        return ['uri %r has no scheme: write https://%s (Zilliz Cloud, TLS) or http://%s (local Milvus)'
                % (uri, uri.split('/')[0], uri.split('/')[0])]
    if parts.scheme.lower() not in URI_SCHEMES:
        return ['uri %r has unsupported scheme %r: use one of %s'
                % (uri, parts.scheme, ', '.join(s + '://' for s in URI_SCHEMES))]
    if not parts.hostname:
        return ['uri %r has no host name' % uri]
    if port is not None and not 0 < port < 65536:
        return ['uri %r has port %d, outside 1-65535' % (uri, port)]
    return []
