"""zilliz_connection_check: wait_timeout is bounded before the first attempt."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import ZillizError
from ansible_collections.zilliz.cloud.plugins.modules import zilliz_connection_check as M


class NoConnection:
    def __init__(self, wait):
        self.params = {'wait_timeout': wait, 'require_auth': False}

    def connect(self):
        raise AssertionError('connected although wait_timeout was invalid')


@pytest.mark.parametrize('wait', [float('inf'), float('nan'), 1e10, 3600.5, -1.0])
def test_wait_timeout_out_of_bounds_is_refused_before_connecting(wait):
    with pytest.raises(ZillizError) as info:
        M.run(NoConnection(wait), {'attempts': 0, 'uri': 'http://localhost:19530'})
    assert info.value.category == 'invalid_input'
    assert 'wait_timeout must be' in info.value.msg and str(wait) in info.value.msg
