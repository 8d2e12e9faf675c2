#!/bin/bash
# Runs only after a failed step. If the history cannot be read back by the CLI itself, it is emptied, so the
# save_cache that follows stores an empty folder and the next run backfills, instead of every later run
# restoring the same damage and failing on it.
set -uo pipefail

if [ -f ~/cci-usage-history/history.json ] && ! cci-usage report --history ~/cci-usage-history --out /tmp/cci-usage-history-check --format json >/dev/null; then
  rm -rf ~/cci-usage-history && mkdir -p ~/cci-usage-history
  echo "cci-usage: the usage history was damaged and is dropped; the next run backfills it." >&2
fi
