#!/usr/bin/env bash
# Copies Swagger UI's browser assets from the pinned npm package swagger-ui-dist into this
# folder, where api/docsui embeds them in the binary (GET /docs serves them; no CDN at run
# time). Run it after changing VERSION, then commit the files it wrote:
#   api/docsui/fetch.sh
# Needs npm (it only downloads the package tarball: `npm pack`, nothing is installed).
set -euo pipefail

VERSION=5.36.0
FILES=(swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tar -xzf "$tmp/swagger-ui-dist-$VERSION.tgz" -C "$tmp"
got="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json")"
[[ "$got" == "$VERSION" ]] || { echo "fetch.sh: npm gave swagger-ui-dist $got, want $VERSION" >&2; exit 1; }
mkdir -p "$here/dist"
rm -f "$here"/dist/*
for f in "${FILES[@]}"; do
	cp "$tmp/package/$f" "$here/dist/$f"
done
echo "$VERSION" > "$here/dist/VERSION"
echo "fetch.sh: swagger-ui-dist $VERSION copied to $here/dist"
