#!/usr/bin/env bash
# Demo of the zilliz.cloud collection against a throw-away local Milvus
# (`make demo` runs this after creating .venv and linking the collection).
#
#   1. start a local Milvus 2.3.5 (tools/milvus_local.py) with a generated
#      root password
#   2. ansible-playbook zilliz.cloud.provision_users    (examples/demo_accounts.yml):
#      custom roles with their privileges, then the users that hold them
#   3. ansible-playbook zilliz.cloud.check_connection   as root and as each user
#   4. log in as demo_auditor (role auditor: may read users) and as demo_dashboard
#      (role db_ro: may not): the first reads the users, the second is refused
#   5. ansible-playbook zilliz.cloud.provision_users    again: changed=0
#   6. ansible-playbook zilliz.cloud.rotate_password    (examples/demo_rotate.yml)
#   7. check that no password appears in any of the output, stop the server
#
# The root password is generated, written to files with mode 0600 in a
# private temporary directory and handed over as files (never on a command
# line, never in a task's environment). The server is stopped on any exit.
# Exits non-zero when any step fails.
#
# Environment: VENV (default .venv), ANSIBLE_COLLECTIONS_PATH (default
# .tmp/collections, linked to this repository), DEMO_KEEP_LOGS=1 keeps the
# step outputs in .tmp/demo/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
DEMO_DIR=$ROOT/.tmp/demo
STATE_FILE=$DEMO_DIR/milvus.state.json

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    BOLD=$'\033[1m'; GREEN=$'\033[32m'; RED=$'\033[31m'; RESET=$'\033[0m'
else
    BOLD=''; GREEN=''; RED=''; RESET=''
fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
ok() { printf '%s    ok: %s%s\n' "$GREEN" "$*" "$RESET"; }
die() { printf '%s    FAILED: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }

[ -x "$PY" ] || die "no Python at $PY: run 'make venv' (or set VENV)"

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    export ANSIBLE_COLLECTIONS_PATH=$ROOT/.tmp/collections
fi
link=$ROOT/.tmp/collections/ansible_collections/zilliz/cloud
if [ "$ANSIBLE_COLLECTIONS_PATH" = "$ROOT/.tmp/collections" ] && [ ! -e "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -s "$ROOT" "$link"
fi
export PATH="$VENV/bin:$PATH"
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=False ANSIBLE_RETRY_FILES_ENABLED=False
# Connection settings come from the vars file below, not from a caller's
# environment (step 4 takes a credential from the environment, and a caller's
# ZILLIZ_TOKEN next to it would make that ambiguous).
unset ZILLIZ_URI ZILLIZ_USER ZILLIZ_PASSWORD ZILLIZ_TOKEN MILVUS_URI MILVUS_LOCAL_ROOT_PASSWORD

umask 077
mkdir -p "$DEMO_DIR"
SECRET_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zilliz-demo.XXXXXX")
LOG_DIR=$DEMO_DIR/logs
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -f "$STATE_FILE" ]; then
        printf '\n==> stopping the local Milvus\n'
        "$PY" "$ROOT/tools/milvus_local.py" stop --state-file "$STATE_FILE" || rc=1
    fi
    rm -rf "$SECRET_DIR"
    [ -n "${DEMO_KEEP_LOGS:-}" ] || rm -rf "$LOG_DIR"
    if [ "$rc" -eq 0 ]; then
        printf '\n%sdemo finished: all steps passed%s\n' "$GREEN$BOLD" "$RESET"
    else
        printf '\n%sdemo FAILED (exit %s)%s\n' "$RED$BOLD" "$rc" "$RESET" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs ansible-playbook, shows its output and keeps a copy for the checks.
playbook() {
    local log=$LOG_DIR/$1.log
    shift
    printf '    $ ansible-playbook %s\n\n' "$*"
    ansible-playbook "$@" 2>&1 | tee "$log"
}

# ---------------------------------------------------------------------------
step "1. Starting a local Milvus (about 10 s)"
# A server left over by an interrupted demo is stopped first.
"$PY" "$ROOT/tools/milvus_local.py" stop --state-file "$STATE_FILE" >/dev/null 2>&1 || true
"$PY" -c 'import secrets, sys; sys.stdout.write("Demo-" + secrets.token_urlsafe(18) + " :@é")' \
    > "$SECRET_DIR/root_password"
URI=$("$PY" "$ROOT/tools/milvus_local.py" start --state-file "$STATE_FILE" \
    --root-password-file "$SECRET_DIR/root_password") || die "the local Milvus did not start"
ok "Milvus at $URI, root password generated (kept in a 0600 file, never printed)"

# The connection as a vars file (JSON is YAML), mode 0600, passed with -e @file.
"$PY" - "$URI" "$SECRET_DIR/root_password" "$SECRET_DIR/connection.json" <<'EOF'
import json, sys
uri, password_file, out = sys.argv[1:4]
with open(password_file, encoding='utf-8') as fp:
    password = fp.read()
with open(out, 'w', encoding='utf-8') as fp:
    json.dump({'cluster_users_uri': uri, 'cluster_users_login_user': 'root',
               'cluster_users_login_password': password, 'cluster_users_timeout': 10}, fp)
EOF

COMMON=(-e zilliz_hosts=localhost -e "@$SECRET_DIR/connection.json")
ACCOUNTS=(-e "@$ROOT/examples/demo_accounts.yml")

# ---------------------------------------------------------------------------
step "2. Provisioning the demo roles and accounts (examples/demo_accounts.yml)"
playbook provision zilliz.cloud.provision_users "${COMMON[@]}" "${ACCOUNTS[@]}"
ok "roles provisioned in one module run, then the users in one more"

step "3. Checking the connection as root and as each provisioned user"
playbook check zilliz.cloud.check_connection "${COMMON[@]}" "${ACCOUNTS[@]}" -e check_connection_as_users=true
ok "every listed user logs in with its password"

step "4. What the roles allow: demo_auditor may read users, demo_dashboard (db_ro) may not"
# Ad hoc, the user's credential from the environment (never on a command line).
as_user() {
    local user=$1 log=$LOG_DIR/$2.log
    printf '    $ ZILLIZ_USER=%s ansible localhost -m zilliz.cloud.zilliz_user_info\n\n' "$user"
    ZILLIZ_URI=$URI ZILLIZ_USER=$user ZILLIZ_PASSWORD=$("$PY" -c 'import sys, yaml
print(next(a["password"] for a in yaml.safe_load(open(sys.argv[1]))["cluster_users_accounts"] if a["name"] == sys.argv[2]))' \
        "$ROOT/examples/demo_accounts.yml" "$user") \
        ansible localhost -m zilliz.cloud.zilliz_user_info 2>&1 | tee "$log" || true
}
as_user demo_auditor as-auditor
grep -q '"name": "demo_dashboard"' "$LOG_DIR/as-auditor.log" || die "demo_auditor could not read the users"
ok "demo_auditor (role auditor) reads the users"
printf '    Next, demo_dashboard tries the same. Its role db_ro may not read users: the red\n'
printf '    [ERROR] / FAILED! output with error_category "forbidden" below is the refusal\n'
printf '    this step expects, not a failure of the demo.\n\n'
as_user demo_dashboard as-dashboard
grep -q '"error_category": "forbidden"' "$LOG_DIR/as-dashboard.log" || die "demo_dashboard was not refused"
ok "demo_dashboard (role db_ro) is refused: forbidden"

step "5. Provisioning again: nothing should change"
playbook provision-again zilliz.cloud.provision_users "${COMMON[@]}" "${ACCOUNTS[@]}"
grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$LOG_DIR/provision-again.log" \
    || die "the second run reported changes"
ok "second run: changed=0 (idempotent)"

step "6. Rotating the password of demo_analyst (examples/demo_rotate.yml)"
playbook rotate zilliz.cloud.rotate_password "${COMMON[@]}" -e "@$ROOT/examples/demo_rotate.yml"
grep -q 'was rotated and verified' "$LOG_DIR/rotate.log" || die "the password was not rotated"
ok "password rotated, verified by logging in with the new one; roles kept"

# ---------------------------------------------------------------------------
step "7. Checking that no password appears in the output"
"$PY" - "$SECRET_DIR/root_password" "$ROOT/examples/demo_accounts.yml" "$ROOT/examples/demo_rotate.yml" \
    "$LOG_DIR" <<'EOF' || die "a password appeared in the output"
import pathlib, sys, yaml
password_file, accounts_file, rotate_file, log_dir = sys.argv[1:5]
secrets = {pathlib.Path(password_file).read_text(encoding='utf-8')}
accounts = yaml.safe_load(pathlib.Path(accounts_file).read_text(encoding='utf-8'))['cluster_users_accounts']
secrets.update(a['password'] for a in accounts if a.get('password'))
rotate = yaml.safe_load(pathlib.Path(rotate_file).read_text(encoding='utf-8'))
secrets.update(rotate[k] for k in ('rotate_password_current', 'rotate_password_new'))
leaks = [log.name for log in sorted(pathlib.Path(log_dir).glob('*.log'))
         if any(s in log.read_text(encoding='utf-8', errors='replace') for s in secrets)]
if leaks:
    sys.exit('password found in: %s' % ', '.join(leaks))
print('    %d passwords searched for in %d outputs: none found' % (len(secrets), len(list(pathlib.Path(log_dir).glob('*.log')))))
EOF
ok "no password in the output"
