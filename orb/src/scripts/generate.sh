#!/bin/bash
# Translates the orb's parameters (PARAM_* environment variables) into `cci-usage run` flags. Nothing else:
# validation and behaviour live in the CLI. Tokens reach the CLI through the environment variables it reads
# (CIRCLECI_API_TOKEN, SLACK_ACCESS_TOKEN), never through argv, so they cannot show in `ps` or in the log.
set -euo pipefail

# Parameters like org_id default to "$CIRCLE_ORGANIZATION_ID": CircleCI passes that text literally, so it is
# resolved here. A whole-value reference is read indirectly (no eval); anything else with a `$` goes through
# `circleci env subst` when the CLI that offers it is on PATH.
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

# CircleCI renders a boolean parameter into the step environment as 1 or 0 ("Boolean values may be returned as
# a '1' for True and '0' for False"); true/false are accepted too, so the script also runs by hand.
is_true() {
  local name=$1 value=${2:-}
  case ${value,,} in
    1 | true) return 0 ;;
    0 | false | '') return 1 ;;
    *) echo "cci-usage orb: $name must be true or false (1 or 0), got '$value'." >&2; exit 2 ;;
  esac
}

# circle_token, slack_access_token and load_to hold the NAME of a variable. A value that is no variable name, or
# is shaped like a CircleCI token (CCIPAT_... is a valid name), is most likely the secret itself pasted there:
# it is never echoed (bash's own "invalid variable name" error would print it), since CircleCI masks only the
# values it stores in contexts and project settings.
check_variable_name() {
  local parameter=$1 name=$2
  if [[ ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ || $name =~ ^CCIP(AT|RJ)_ ]]; then
    echo "cci-usage orb: the $parameter parameter takes the name of an environment variable (such as CIRCLE_TOKEN)," \
      "not the secret itself; the value given is not shown. Put the secret in a context under a name and give that name." >&2
    exit 2
  fi
}

# The report job's store_artifacts stores output_dir as given: an empty one is refused, not replaced by the default
# (the report would be written where the artifacts are not taken from). store_artifacts expands a leading ~;
# quoted, the CLI would write ./~/... instead.
output_dir=${PARAM_OUTPUT_DIR-usage-report}
if [[ -z $output_dir ]]; then
  echo "cci-usage orb: output_dir is empty; give the folder the report is written to (the default is usage-report)." >&2
  exit 2
fi
if [[ $output_dir == \~ || $output_dir == \~/* ]]; then output_dir=$HOME${output_dir:1}; fi

args=(run --out "$output_dir" --timeout "${PARAM_TIMEOUT:-30m}" --compare "${PARAM_COMPARE:-previous}")

if is_true demo "${PARAM_DEMO:-0}"; then
  args+=(--demo)
else
  org_id=$(resolve_env_reference "${PARAM_ORG_ID:-}")
  if [[ -n $org_id ]]; then args+=(--org-id "$org_id"); fi
  token_variable=${PARAM_CIRCLE_TOKEN:-CIRCLE_TOKEN}
  check_variable_name circle_token "$token_variable"
  if [[ -z ${!token_variable:-} ]]; then
    echo "cci-usage orb: the environment variable $token_variable (circle_token parameter) is empty." \
      "Add a CircleCI personal API token under that name to a context and give the job that context." >&2
    # The CLI's exit code for a missing token (README, Exit codes), not 2: the parameter is right, the secret is not there.
    exit 3
  fi
  export CIRCLECI_API_TOKEN=${!token_variable}
fi

# month, start and end are passed as given (the CLI refuses month with start or end, naming them); days has a
# default, so it is passed only when none of them is set.
if [[ -n ${PARAM_MONTH:-} ]]; then args+=(--month "$PARAM_MONTH"); fi
if [[ -n ${PARAM_START:-} ]]; then args+=(--start "$PARAM_START"); fi
if [[ -n ${PARAM_END:-} ]]; then args+=(--end "$PARAM_END"); fi
if [[ -z ${PARAM_MONTH:-}${PARAM_START:-}${PARAM_END:-} ]]; then args+=(--days "${PARAM_DAYS:-7}"); fi

# Shared plans: one export covers the listed organizations too (comma or space separated).
IFS=', ' read -r -a shared_org_ids <<<"$(resolve_env_reference "${PARAM_SHARED_ORG_IDS:-}")"
for shared_org_id in "${shared_org_ids[@]}"; do
  if [[ -n $shared_org_id ]]; then args+=(--shared-org-id "$shared_org_id"); fi
done

if is_true discover_shared_orgs "${PARAM_DISCOVER_SHARED_ORGS:-0}"; then args+=(--discover-shared-orgs); fi

# The history lives where the report job's restore_cache/save_cache keep it.
if is_true history "${PARAM_HISTORY:-1}"; then
  args+=(--history "$HOME/cci-usage-history" --trend-weeks "${PARAM_TREND_WEEKS:-12}")
fi
if [[ -n ${PARAM_BUDGETS_FILE:-} ]]; then args+=(--budgets "$PARAM_BUDGETS_FILE"); fi

if is_true flaky_tests "${PARAM_FLAKY_TESTS:-0}"; then args+=(--flaky-tests); fi
IFS=', ' read -r -a default_branches <<<"${PARAM_DEFAULT_BRANCH:-}"
for default_branch in "${default_branches[@]}"; do
  if [[ -n $default_branch ]]; then args+=(--default-branch "$default_branch"); fi
done

if [[ -n ${PARAM_TOP:-} ]]; then args+=(--top "$PARAM_TOP"); fi
if [[ -n ${PARAM_TEAMS_FILE:-} ]]; then args+=(--teams "$PARAM_TEAMS_FILE"); fi
if [[ -n ${PARAM_CREDIT_PRICE:-} ]]; then args+=(--credit-price "$PARAM_CREDIT_PRICE"); fi

# Extra by-<dim>.csv breakdowns (comma or space separated), checked against the dimensions of `report --group-by`
# here so that a typo stops the job before any export; team without teams_file is refused by the CLI.
group_by_dimensions=(org project workflow job branch resource-class executor day team)
IFS=', ' read -r -a group_by <<<"${PARAM_GROUP_BY:-}"
for dimension in "${group_by[@]}"; do
  if [[ -z $dimension ]]; then continue; fi
  if [[ " ${group_by_dimensions[*]} " != *" ${dimension} "* || $dimension == *[!a-z-]* ]]; then
    echo "cci-usage orb: group_by takes org, project, workflow, job, branch, resource-class, executor, day or team" \
      "(comma or space separated), got '$dimension'." >&2
    exit 2
  fi
  args+=(--group-by "$dimension")
done

# notify: change posts when ANY chosen condition holds. The change threshold is always one of them: the CLI has
# no "no change condition" value (--notify-if-change-over 0 posts on any change). The --notify-if-* flags go to
# the CLI only with change: with always they would narrow it, and with never the CLI refuses them (exit 2).
budget_at_risk=0 anomaly=0
if is_true notify_if_budget_at_risk "${PARAM_NOTIFY_IF_BUDGET_AT_RISK:-0}"; then budget_at_risk=1; fi
if is_true notify_if_anomaly "${PARAM_NOTIFY_IF_ANOMALY:-0}"; then anomaly=1; fi
# demo: true keeps its own history in the output folder (and shows demo budgets), history or not.
if ! is_true history "${PARAM_HISTORY:-1}" && ! is_true demo "${PARAM_DEMO:-0}"; then
  if ((budget_at_risk)); then
    echo "cci-usage orb: notify_if_budget_at_risk needs history: true (budgets are judged on the usage history)." >&2
    exit 2
  fi
  if ((anomaly)); then
    echo "cci-usage orb: notify_if_anomaly needs history: true (anomalies are found in the usage history)." >&2
    exit 2
  fi
fi
case ${PARAM_NOTIFY:-never} in
  never) args+=(--notify never) ;;
  always) args+=(--notify always) ;;
  change)
    args+=(--notify always --notify-if-change-over "${PARAM_NOTIFY_CHANGE_THRESHOLD:-10}")
    if ((budget_at_risk)); then args+=(--notify-if-budget-at-risk); fi
    if ((anomaly)); then args+=(--notify-if-anomaly); fi
    ;;
  *) echo "cci-usage orb: notify must be never, always or change, got '${PARAM_NOTIFY}'." >&2; exit 2 ;;
esac
if is_true strict_notify "${PARAM_STRICT_NOTIFY:-0}"; then args+=(--strict-notify); fi
if is_true notify_again "${PARAM_NOTIFY_AGAIN:-0}"; then args+=(--notify-again); fi
if [[ ${PARAM_NOTIFY:-never} != never ]]; then
  slack_token_variable=${PARAM_SLACK_ACCESS_TOKEN:-SLACK_ACCESS_TOKEN}
  check_variable_name slack_access_token "$slack_token_variable"
  if [[ -n ${!slack_token_variable:-} ]]; then export SLACK_ACCESS_TOKEN=${!slack_token_variable}; fi
  slack_channel=$(resolve_env_reference "${PARAM_SLACK_CHANNEL:-}")
  if [[ -n $slack_channel ]]; then args+=(--slack-channel "$slack_channel"); fi
fi

# Warehouse: load_to names the variable holding the target; the CLI reads it from CCI_USAGE_LOAD_TO, never argv.
if [[ -n ${PARAM_LOAD_TO:-} ]]; then
  check_variable_name load_to "$PARAM_LOAD_TO"
  if [[ -z ${!PARAM_LOAD_TO:-} ]]; then
    echo "cci-usage orb: the environment variable $PARAM_LOAD_TO (load_to parameter) is empty; add the target to a context." >&2
    exit 2
  fi
  export CCI_USAGE_LOAD_TO=${!PARAM_LOAD_TO}
fi

# The flags the parameters became, for the log. A value shaped like a CircleCI or Slack token or a Slack webhook URL
# (pasted where a channel or an organization belongs) is shown as [redacted], as the CLI shows it in all it prints
# (src/core/secrets.ts); the CLI still gets it, and says what is wrong with it without showing it.
shown=()
for arg in "${args[@]}"; do
  if [[ ${arg,,} =~ ccip(at|rj)_|xox[a-z]-|hooks\.slack(-gov)?\.com/ ]]; then shown+=('[redacted]'); else shown+=("$arg"); fi
done
echo "cci-usage ${shown[*]}" >&2
exec cci-usage "${args[@]}"
