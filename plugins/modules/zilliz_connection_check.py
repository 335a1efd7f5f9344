#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_connection_check
short_description: Prove that a credential can connect to a Zilliz Cloud cluster or Milvus server
version_added: 1.0.0
description:
  - Connects with the given credential and proves it is usable; says exactly why when it is not.
  - Returns the server version, whether the server enforces authentication (it rejects a deliberately
    bogus credential), the user and its roles where it may read them, and the connection latency.
  - Never changes anything.
  - Can wait for a cluster that is still coming up, retrying only transient failures (C(unreachable),
    C(timeout)), never a rejected credential.
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.read_only
options:
  wait_timeout:
    description:
      - Seconds to keep retrying while the server is unreachable or does not answer. V(0) tries once.
      - At most V(3600) (an hour), so that a task always ends; a value outside 0 to 3600 (or C(inf), C(nan)) is
        refused as C(invalid_input) before the first attempt.
    type: float
    default: 0
  require_auth:
    description:
      - Fail when the server turns out to accept any credential (authentication disabled).
    type: bool
    default: false
seealso:
  - module: zilliz.cloud.zilliz_user
  - module: zilliz.cloud.zilliz_user_info
'''

EXAMPLES = r'''
- name: Check the admin credential of a Zilliz Cloud cluster
  zilliz.cloud.zilliz_connection_check:
    uri: https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530
    login_user: db_admin
    login_password: "{{ vault_db_admin_password }}"
    require_auth: true
  register: check

- name: Wait up to two minutes for a new cluster to accept connections
  zilliz.cloud.zilliz_connection_check:
    uri: "{{ zilliz_uri }}"
    token: "{{ vault_zilliz_api_key }}"
    wait_timeout: 120

- name: Branch on why a credential does not work
  zilliz.cloud.zilliz_connection_check:
    login_user: reporting
    login_password: "{{ vault_reporting_password }}"
  register: reporting_check
  failed_when: reporting_check.failed and reporting_check.error_category != 'auth_failed'

# Ad hoc, with the connection from the environment (ZILLIZ_URI, ZILLIZ_USER, ZILLIZ_PASSWORD):
#   ansible localhost -m zilliz.cloud.zilliz_connection_check
'''

RETURN = r'''
server_version:
  description: Version reported by the server.
  returned: success
  type: str
  sample: v2.3.5
auth_enabled:
  description: Whether the server rejects a bogus credential. When false, any credential "works".
  returned: success
  type: bool
  sample: true
user:
  description: The user connected as; null for an API key.
  returned: success
  type: str
  sample: db_admin
roles:
  description: Roles of O(login_user), when the server lets that user read them; null otherwise.
  returned: success
  type: list
  elements: str
  sample: [admin]
latency_ms:
  description: Time to open the connection and authenticate, in milliseconds.
  returned: success
  type: float
  sample: 4.2
attempts:
  description: Connection attempts made (more than one only with O(wait_timeout)).
  returned: always
  type: int
  sample: 1
uri:
  description: The URI connected to.
  returned: always
  type: str
  sample: https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530
error_category:
  description: Why the check failed.
  returned: failure
  type: str
  sample: auth_failed
'''

import math
import time

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import MAX_TIMEOUT
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    FORBIDDEN, INVALID_INPUT, SERVER_ERROR, TRANSIENT_CATEGORIES, ZillizError,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule

RETRY_PAUSE = 1.0


def connect_with_retries(module, deadline, result):
    """(opened Connection, server version); retries transient failures until the deadline."""
    while True:
        conn = module.connect()     # invalid options fail here, before any attempt
        result['attempts'] += 1
        try:
            conn.open()
            return conn, conn.server_version()
        except ZillizError as error:
            conn.close()
            if error.category not in TRANSIENT_CATEGORIES or time.monotonic() + RETRY_PAUSE >= deadline:
                raise
        time.sleep(RETRY_PAUSE)


def run(module, result):
    wait = module.params['wait_timeout']
    if not (math.isfinite(wait) and 0 <= wait <= MAX_TIMEOUT):
        raise ZillizError(INVALID_INPUT, 'wait_timeout must be 0 (one attempt) or a number of seconds up to %d '
                          '(an hour), got %s' % (MAX_TIMEOUT, wait))
    deadline = time.monotonic() + wait
    conn, version = connect_with_retries(module, deadline, result)
    try:
        result.update(server_version=version, latency_ms=conn.latency_ms, user=conn.user,
                      auth_enabled=conn.auth_enabled(), roles=None)
        if conn.user:
            try:
                result['roles'] = conn.describe_user_roles(conn.user)
            except ZillizError as error:
                if error.category != FORBIDDEN:
                    raise
    finally:
        conn.close()
    if module.params['require_auth'] and not result['auth_enabled']:
        raise ZillizError(SERVER_ERROR, 'Authentication is disabled on %s: it accepts any credential, so this '
                          'check proves nothing (require_auth=true). Enable common.security.authorizationEnabled.'
                          % result['uri'])


def main():
    module = ZillizModule(
        argument_spec=dict(
            wait_timeout=dict(type='float', default=0),
            require_auth=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    result = dict(changed=False, attempts=0, uri=module.params['uri'])
    try:
        run(module, result)
    except ZillizError as error:
        module.fail_error(error, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
