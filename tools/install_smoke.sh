#!/usr/bin/env bash
# Smoke test of the built collection as users get it: the tarball installed
# into INSTALL_DIR (nothing resolves from the source tree), run against a real
# local Milvus started here and always stopped on exit.
#   tools/install_smoke.sh <venv-bin> <install-dir> [<ansible-venv-bin> ...]
# <venv-bin> runs the local Milvus; each <ansible-venv-bin> (default: the
# same) runs ansible-playbook and the modules in turn, against the same
# server, e.g. the oldest and the newest ansible-core.
set -euo pipefail
VENV_BIN=$1
INSTALL_DIR=$2
shift 2
[ "$#" -gt 0 ] || set -- "$VENV_BIN"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
state="$work/milvus.state.json"
password_file="$work/root_password"
umask 077
"$VENV_BIN/python" -c 'import secrets; print("Sm0ke-" + secrets.token_urlsafe(18))' > "$password_file"
cleanup() {
    "$VENV_BIN/python" "$ROOT/tools/milvus_local.py" stop --state-file "$state" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
uri=$("$VENV_BIN/python" "$ROOT/tools/milvus_local.py" start --state-file "$state" --root-password-file "$password_file")
echo "local Milvus at $uri"
cd "$INSTALL_DIR"
for ANSIBLE_BIN in "$@"; do
    echo "--- $("$ANSIBLE_BIN/ansible" --version | head -1)"
    ZILLIZ_URI="$uri" ZILLIZ_USER=root ZILLIZ_PASSWORD="$(cat "$password_file")" \
    ANSIBLE_COLLECTIONS_PATH="$INSTALL_DIR" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False \
    ANSIBLE_PYTHON_INTERPRETER="$ANSIBLE_BIN/python" PATH="$ANSIBLE_BIN:$PATH" \
        "$ANSIBLE_BIN/ansible-playbook" "$ROOT/tests/smoke/installed_smoke.yml"
done
