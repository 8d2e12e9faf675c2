#!/bin/bash
# Writes the file the report job keys its history cache by: the organizations generate exports (and demo), so
# that one set of organizations never restores another's history (the CLI would refuse it). The parameters come
# in as PARAM_* variables rather than pasted into the command, so a quote or a `$(...)` in them is data, as in
# generate.sh, not shell.
set -euo pipefail

# The same resolution as generate.sh: the key names the organizations the export really covers.
resolve_env_reference() {
  local value=$1
  if [[ $value =~ ^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$ ]]; then
    printf '%s' "${!BASH_REMATCH[1]:-}"
  elif [[ $value == *'$'* ]] && command -v circleci >/dev/null 2>&1 && circleci env subst --help >/dev/null 2>&1; then
    circleci env subst "$value"
  else
    printf '%s' "$value"
  fi
}

# CircleCI renders a boolean into the environment as 1 or 0; the key keeps the true/false the step used to
# write, so that caches saved before still match.
case ${PARAM_DEMO:-0} in
  1 | true) demo=true ;;
  *) demo=false ;;
esac

printf 'orgs %s %s demo %s\n' "$(resolve_env_reference "${PARAM_ORG_ID:-}")" "$(resolve_env_reference "${PARAM_SHARED_ORG_IDS:-}")" "$demo" \
  >/tmp/cci-usage-history-key
