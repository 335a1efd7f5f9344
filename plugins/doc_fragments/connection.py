# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The connection options shared by every zilliz.cloud module.
    DOCUMENTATION = r'''
options:
  uri:
    description:
      - Address of the cluster, with scheme and port.
      - Zilliz Cloud dedicated cluster, its public endpoint, for example
        C(https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530).
      - Self-hosted Milvus, for example C(http://localhost:19530).
      - Schemes C(http), C(https) and C(tcp) are accepted. A URI that holds credentials
        (C(user:password@host)) is refused; use O(login_user) and O(login_password) or O(token).
      - A Zilliz Cloud host (C(*.zillizcloud.com), C(*.cloud.zilliz.com)) with C(http://) or O(secure=false) is
        refused before connecting, since the credential would cross the internet in clear text. Use C(https://).
      - Any other host that is not loopback (C(localhost), C(127.0.0.0/8), C(::1)) reached without TLS gets a
        warning, once per task; O(secure=false) set explicitly silences it.
      - Required. If not set, the environment variable E(ZILLIZ_URI) is used, then E(MILVUS_URI).
    type: str
  token:
    description:
      - An API key (Zilliz Cloud serverless clusters) or a C(user:password) pair.
      - Mutually exclusive with O(login_user) and O(login_password).
      - If not set, the environment variable E(ZILLIZ_TOKEN) is used.
    type: str
  login_user:
    description:
      - The user to connect as. On Zilliz Cloud typically C(db_admin), on Milvus C(root).
      - Leave unset (with O(token) unset too) to connect without credentials, which works only
        when the server has authentication disabled.
      - If not set, the environment variable E(ZILLIZ_USER) is used.
    type: str
  login_password:
    description:
      - The password of O(login_user).
      - If not set, the environment variable E(ZILLIZ_PASSWORD) is used.
    type: str
  secure:
    description:
      - Whether to connect with TLS.
      - When not set, TLS is used for C(https://) URIs and not for others.
      - Set V(false) explicitly to say that plain text is intended on a trusted network; that silences the
        warning for a remote host without TLS. Refused for Zilliz Cloud hosts.
      - If not set, the environment variable E(ZILLIZ_SECURE) is used.
    type: bool
  ca_cert:
    description:
      - The CA certificate that signed the server certificate, as a path to a PEM file or as the PEM text itself.
      - When not set, the system trust store is used (right for Zilliz Cloud).
      - If not set, the environment variable E(ZILLIZ_CA_CERT) is used.
    type: str
  server_name:
    description:
      - The host name to verify in the server certificate, when it differs from the host in O(uri).
      - If not set, the environment variable E(ZILLIZ_SERVER_NAME) is used.
    type: str
  client_cert:
    description:
      - Path to a PEM client certificate for mutual TLS. Requires O(client_key) and O(ca_cert).
      - If not set, the environment variable E(ZILLIZ_CLIENT_CERT) is used.
    type: path
  client_key:
    description:
      - Path to the PEM private key of O(client_cert).
      - If not set, the environment variable E(ZILLIZ_CLIENT_KEY) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for B(each) request to the server.
      - Several Milvus user and role requests wait forever for an unresponsive server unless bounded.
      - If not set, the environment variable E(ZILLIZ_TIMEOUT) is used.
    type: float
    default: 10
  retry_budget:
    description:
      - Seconds each request may spend sending itself again after a transient failure, counted from its first
        attempt; never more than O(timeout).
      - Transient failures are the ones a load balancer, a proxy restart or a flapping link cause (gRPC
        C(UNAVAILABLE), that is a connection refused or reset, closed during a request, or C(GOAWAY)) and
        Milvus rate-limit statuses. They are retried with exponential backoff and jitter (0.1 s doubling to 1 s).
      - Never retried, reported at once, are a wrong credential, a missing privilege, invalid input, TLS failures,
        and a request that ran into its own O(timeout) (a hung server fails as C(timeout)).
      - A server that is really gone is reported C(unreachable) once the budget is spent. V(0) turns retries off.
      - A retried write is settled by looking at the server, so it is reported once (a creation whose answer was
        lost and whose retry finds the user is this run's change when the password authenticates).
      - If not set, the environment variable E(ZILLIZ_RETRY_BUDGET) is used.
    type: float
    default: 2
requirements:
  - pymilvus >= 2.4
notes:
  - Failures return C(error_category), one of C(auth_failed), C(unreachable), C(tls_error), C(timeout),
    C(forbidden), C(invalid_input), C(limit_exceeded), C(server_error) (and C(missing_library) when pymilvus is
    not installed), so playbooks can branch on why a task failed.
  - Passwords and tokens are never returned, logged or shown in a diff. Keep them in Ansible Vault, an
    AWX credential or the environment, not inline in playbooks.
  - All modules in this collection belong to the action group C(zilliz.cloud.zilliz), so the connection
    options can be set once with C(module_defaults) and C(group/zilliz.cloud.zilliz).
'''
