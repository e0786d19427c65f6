#!/usr/bin/env bash
# Lints the manager's OpenAPI description with Redocly CLI's recommended ruleset, as configured in
# manager/redocly.yaml. Prints every problem; exits 0 when there is none (no error and no
# warning), 1 when there is any, 2 when a tool is missing.
#
# Redocly CLI is an npm package, pinned below. It is installed at run time into
# target/redocly-cli/ at the repository's root and kept there, so that later runs need neither npm
# nor the network. Delete target/redocly-cli/ to install it again.
#
# Usage: manager/lint-openapi.sh [FILE]   (FILE: the description to lint; by default the one the
#        manager serves, manager/src/main/resources/io/federa/manager/http/openapi.yaml)
set -euo pipefail

REDOCLY_CLI_VERSION="2.77.0"   # the npm package @redocly/cli, pinned for repeatability

manager_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$manager_dir")"
tool="$root/target/redocly-cli"
stamp="$tool/.source"
source_id="@redocly/cli@$REDOCLY_CLI_VERSION"
file="${1:-$manager_dir/src/main/resources/io/federa/manager/http/openapi.yaml}"

missing_tool() {
  echo "manager/lint-openapi.sh: '$1' is not installed: install the Debian package $2 (apt-get install $2)" >&2
  exit 2
}

command -v node >/dev/null 2>&1 || missing_tool node nodejs
if [ ! -f "$file" ]; then
  echo "manager/lint-openapi.sh: no such file: $file" >&2
  exit 2
fi

install_redocly() {
  command -v npm >/dev/null 2>&1 || missing_tool npm npm
  echo "manager/lint-openapi.sh: installing the npm package $source_id into target/redocly-cli/"
  mkdir -p "$root/target"
  # Filled beside its final place, then renamed: an interrupted run never leaves a half-filled
  # target/redocly-cli/ behind. The folder has a package.json of its own so that npm installs
  # there and nowhere above it.
  local staging="$root/target/.redocly-cli.$$"
  # shellcheck disable=SC2064  # expand the path now: it is local to this function
  trap "rm -rf '$staging'" EXIT
  mkdir -p "$staging"
  echo '{"name":"federa-redocly-cli","private":true}' >"$staging/package.json"
  # No audit, funding or update notices: only npm's errors, which say why an install failed.
  if ! npm install --prefix "$staging" --no-audit --no-fund --no-update-notifier --no-package-lock \
      --loglevel=error "$source_id" >"$staging/npm.log" 2>&1; then
    cat "$staging/npm.log" >&2
    echo "manager/lint-openapi.sh: npm install $source_id failed (is the npm registry reachable?)" >&2
    exit 1
  fi
  if [ ! -x "$staging/node_modules/.bin/redocly" ]; then
    echo "manager/lint-openapi.sh: $source_id installed no node_modules/.bin/redocly" >&2
    exit 1
  fi
  echo "$source_id" >"$staging/.source"
  rm -rf "$tool"
  mv "$staging" "$tool"
  trap - EXIT
}

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$source_id" ]; then
  install_redocly
fi

# The report is read from its JSON form (stdout); Redocly's own notices (stderr) are kept only
# for when it fails to give one. No usage data is sent, and no update is looked for.
report="$(mktemp)"
notices="$(mktemp)"
trap 'rm -f "$report" "$notices"' EXIT
status=0
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 \
  "$tool/node_modules/.bin/redocly" lint --config "$manager_dir/redocly.yaml" --format=json "$file" \
  >"$report" 2>"$notices" || status=$?

# Each problem on a line of its own: severity, rule, where (line:column and JSON pointer), message.
if ! node -e '
  const fs = require("fs");
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  for (const p of r.problems) {
    const at = (p.location && p.location[0]) || {};
    const pos = at.start ? at.start.line + ":" + at.start.col : "?";
    console.log(`${p.severity} ${p.ruleId} at ${pos} ${at.pointer || ""}: ${p.message}`);
  }
  console.log(`totals: ${r.totals.errors} errors, ${r.totals.warnings} warnings, ${r.totals.ignored} ignored`);
  process.exit(r.totals.errors + r.totals.warnings + r.totals.ignored === 0 ? 0 : 3);
' "$report"; then
  if [ ! -s "$report" ] || ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$report" 2>/dev/null; then
    cat "$notices" >&2
    echo "manager/lint-openapi.sh: redocly gave no report (exit status $status)" >&2
    exit 1
  fi
  echo "manager/lint-openapi.sh: $source_id found problems in $file" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  cat "$notices" >&2
  echo "manager/lint-openapi.sh: redocly reported no problem but exited with status $status" >&2
  exit 1
fi
echo "manager/lint-openapi.sh: $file is clean under $source_id (recommended ruleset, manager/redocly.yaml)"
