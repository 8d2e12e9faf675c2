#!/bin/bash
# Runs only after a failed step. If the CLI itself finds the history damaged (a file missing, truncated, changed or
# unreadable: E_HISTORY_CORRUPT, E_HISTORY_UNREADABLE), it is emptied, so the save_cache that follows stores an
# empty folder and the next run backfills, instead of every later run restoring the same damage and failing on it.
# A check that fails for another reason (a bad CCI_USAGE_* setting, DuckDB out of memory, a full disk) says nothing
# of the history: it is kept, and with it the record of the Slack messages a rerun must not post again.
# CircleCI runs the step with `/bin/bash -eo pipefail` (the shebang above is a comment there): the check's failure
# is caught with `||`, or it would end the step before the history is judged.
set -euo pipefail

if [ -f ~/cci-usage-history/history.json ]; then
  status=0
  check=$(cci-usage report --history ~/cci-usage-history --out /tmp/cci-usage-history-check --json) || status=$?
  if ((status != 0)); then
    printf '%s\n' "$check" >&2
    if [[ $check =~ \"code\":\ \"(E_HISTORY_CORRUPT|E_HISTORY_UNREADABLE)\" ]]; then
      rm -rf ~/cci-usage-history && mkdir -p ~/cci-usage-history
      echo "cci-usage: the usage history was damaged (${BASH_REMATCH[1]}, above) and is dropped; the next run backfills it." >&2
    else
      echo "cci-usage: the usage history could not be checked (exit $status, above), but it was not found damaged: it is kept." >&2
    fi
  fi
fi

# With discover_shared_orgs the organizations exported can change from one run to the next (one joins or leaves the
# plan, or the endpoint fails and the run goes on without them), which the cache key cannot know: the CLI then
# refuses the history (E_HISTORY_ORGS) on this run and, were it kept, on every later one. The failed run's export
# manifest names the organizations it exported; a history made for another set is dropped too.
output_dir=${PARAM_OUTPUT_DIR:-usage-report}
if [[ $output_dir == \~ || $output_dir == \~/* ]]; then output_dir=$HOME${output_dir:1}; fi
manifest=$output_dir/export-manifest.json
if [ -f ~/cci-usage-history/history.json ] && [ -f "$manifest" ]; then
  # Exit 3: two sets; anything else (the same set, a file it cannot read) keeps the history.
  compared=0
  node -e '
    const fs = require("fs")
    const [history, manifest] = process.argv.slice(1).map((file) => JSON.parse(fs.readFileSync(file, "utf8")))
    const set = (ids) => [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))].sort().join(" ")
    process.exit(set(history.organizations) === set([manifest.orgId, ...manifest.sharedOrgIds]) ? 0 : 3)
  ' ~/cci-usage-history/history.json "$manifest" || compared=$?
  if ((compared == 3)); then
    rm -rf ~/cci-usage-history && mkdir -p ~/cci-usage-history
    echo "cci-usage: the usage history was made for other organizations than this run exported ($manifest) and is dropped; the next run backfills it." >&2
  fi
fi
