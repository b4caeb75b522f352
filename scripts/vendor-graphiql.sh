#!/usr/bin/env bash
# Fetches the pinned GraphiQL and React builds from the npm registry into api/assets/vendor/,
# with their licences, and checks them against the digests recorded in SHA256SUMS. The files are
# committed and embedded in the `erp` binary, so neither running nor testing the project needs
# this script (nor Node, nor the Internet); run it only to change a version: delete SHA256SUMS
# (the run records the new digests), then update the paths in api/src/assets.rs and the versions
# in the README.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL=4.1.2   # the last major release with a browser (UMD) build
REACT=18.3.1     # the last major release with UMD builds, which that build uses
into=api/assets/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for package in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir -p "$work/$package"
  tar xzf "$work/$package.tgz" -C "$work/$package"
done

mkdir -p "$into"
# the source map comments are dropped: the maps are not shipped, and a browser's developer
# tools would otherwise ask the server for them.
strip_map() { sed '/^\/[*\/]# sourceMappingURL=/d' "$1" > "$2"; }
strip_map "$work/graphiql-$GRAPHIQL/package/graphiql.min.js" "$into/graphiql-$GRAPHIQL.min.js"
strip_map "$work/graphiql-$GRAPHIQL/package/graphiql.min.css" "$into/graphiql-$GRAPHIQL.min.css"
cp "$work/graphiql-$GRAPHIQL/package/LICENSE" "$into/LICENSE-graphiql"
cp "$work/react-$REACT/package/umd/react.production.min.js" "$into/react-$REACT.production.min.js"
cp "$work/react-dom-$REACT/package/umd/react-dom.production.min.js" \
  "$into/react-dom-$REACT.production.min.js"
cp "$work/react-$REACT/package/LICENSE" "$into/LICENSE-react"

(cd "$into" && if [ -f SHA256SUMS ]; then sha256sum --check --quiet SHA256SUMS; else sha256sum -- *.js *.css LICENSE-* > SHA256SUMS; fi)
echo "api/assets/vendor: GraphiQL $GRAPHIQL, React $REACT, checked against SHA256SUMS"
