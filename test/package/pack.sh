#!/usr/bin/env bash
# Package smoke test: what `npm publish` would ship must install and run on its own.
# Packs the project (built and manifested in a staging copy, so the shared checkout's dist/ and
# oclif.manifest.json stay untouched), installs the tarball with production dependencies only into an empty
# folder, then runs `cci-usage --version` and `cci-usage run --demo` from there and checks the artifacts.
#
# Usage: test/package/pack.sh [--no-demo]
#   --no-demo   stop after `--version` (for a CLI that has no `run` command yet)
set -Eeuo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT_DIR

run_demo=true
case "${1:-}" in
  '') ;;
  --no-demo) run_demo=false ;;
  *) echo "pack: unknown argument '$1' (use --no-demo or nothing)" >&2; exit 2 ;;
esac

fail() { echo "pack: FAILED: $*" >&2; exit 1; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with $?"' ERR

work=$(mktemp -d "${TMPDIR:-/tmp}/cci-usage-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage app=$work/app out=$work/out
mkdir -p "$stage" "$app" "$out"

echo "pack: building a staging copy (at ${SECONDS}s)" >&2
cp -R "$ROOT_DIR/package.json" "$ROOT_DIR/package-lock.json" "$ROOT_DIR/tsconfig.json" "$ROOT_DIR/tsconfig.build.json" \
  "$ROOT_DIR/bin" "$ROOT_DIR/src" "$stage/"
if [[ -f $ROOT_DIR/README.md ]]; then cp "$ROOT_DIR/README.md" "$stage/"; fi
ln -s "$ROOT_DIR/node_modules" "$stage/node_modules"
(cd "$stage" && node node_modules/typescript/bin/tsc -p tsconfig.build.json) \
  || fail "tsc -p tsconfig.build.json failed: the package cannot be built"
(cd "$stage" && node node_modules/oclif/bin/run.js manifest >/dev/null) || fail "oclif manifest failed"

echo "pack: npm pack (at ${SECONDS}s)" >&2
tarball=$(cd "$stage" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
tarball=$work/$tarball
[[ -s $tarball ]] || fail "npm pack produced no tarball"

# What the package must carry for `cci-usage` to start without the sources or the dev tools.
contents=$(tar -tzf "$tarball")
for required in package/package.json package/bin/run.js package/oclif.manifest.json package/dist/index.js; do
  grep -qx "$required" <<<"$contents" || fail "$required is missing from the tarball: add it to package.json \"files\""
done
if $run_demo; then
  grep -qx package/dist/commands/run.js <<<"$contents" || fail "package/dist/commands/run.js is missing from the tarball"
fi
if grep -qE '\.map$' <<<"$contents"; then
  fail "the tarball ships source maps that point at sources it does not carry: see tsconfig.build.json"
fi
if grep -qE '^package/(src|test|node_modules)/' <<<"$contents"; then
  fail "the tarball ships sources, tests or node_modules: tighten package.json \"files\""
fi
echo "pack:   $(wc -l <<<"$contents") files, $(du -h "$tarball" | cut -f1) ($(basename "$tarball"))" >&2

echo "pack: npm install --omit=dev of the tarball into an empty folder (at ${SECONDS}s)" >&2
printf '{"name":"cci-usage-pack-smoke","private":true}\n' >"$app/package.json"
(cd "$app" && npm install --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" >/dev/null) \
  || fail "npm install of the packed tarball failed"
[[ ! -e $app/node_modules/typescript && ! -e $app/node_modules/jest ]] || fail "dev dependencies were installed"

cli=$app/node_modules/.bin/cci-usage
version=$(node -p "require('$ROOT_DIR/package.json').version")
printed=$("$cli" --version) || fail "\`cci-usage --version\` failed from the installed package"
[[ $printed == "cci-usage/$version "* ]] || fail "\`cci-usage --version\` printed '$printed', expected cci-usage/$version ..."
echo "pack:   $printed" >&2
"$cli" help >/dev/null || fail "\`cci-usage help\` failed from the installed package (is @oclif/plugin-help a dependency?)"

if $run_demo; then
  echo "pack: cci-usage run --demo from the installed package (at ${SECONDS}s)" >&2
  (cd "$app" && "$cli" run --demo --out "$out") || fail "\`cci-usage run --demo\` failed from the installed package"
  for artifact in summary.json usage.csv report.html; do
    [[ -s $out/$artifact ]] || fail "the demo run did not write a non-empty $artifact"
  done
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$out/summary.json" \
    || fail "summary.json is not valid JSON"
fi

trap - ERR
echo "pack: OK in ${SECONDS}s" >&2
