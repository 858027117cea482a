#!/usr/bin/env bash
# api/check.sh — the API compatibility gate of the stable packages (make
# api-check, CI). The commit named in api/BASE is exported into a temporary
# directory; for each stable package, golang.org/x/exp/cmd/apidiff compares
# its API there with the working tree's. An incompatible change fails the
# check unless CHANGELOG.md's Unreleased section names the identifier,
# qualified by its package: apidiff's "(*Decoder).Next: removed" in ttlv
# needs a line holding "ttlv.Decoder.Next" (see CHANGELOG.md's preamble).
#
#   api/check.sh            check the working tree against api/BASE
#   api/check.sh -record    write HEAD's commit id into api/BASE
#   api/check.sh -self-test break a copy of the tree on purpose: the check
#                           must fail, then pass once the change log says so
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
APIDIFF_VERSION=v0.0.0-20261113113407-e3970619a1a4
PKGS=(ttlv jsonttlv xmlttlv batch)

base_commit() { awk '!/^#/ && NF { print $1; exit }' api/BASE; }

if [ "${1:-}" = -record ]; then
	head=$(git rev-parse HEAD)
	sed -i "s/^[0-9a-f]\{40\}\$/$head/" api/BASE
	echo "api/BASE now records $head; commit it"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp/bin" $GO install "golang.org/x/exp/cmd/apidiff@$APIDIFF_VERSION"
apidiff="$tmp/bin/apidiff"

# unreleased prints the Unreleased section of the change log in DIR.
unreleased() { awk '/^## /{ on = ($0 ~ /^## \[?Unreleased/) ; next } on' "$1/CHANGELOG.md"; }

# check DIR: compare the stable packages of the tree in DIR with the base.
check() {
	local dir=$1 base fail=0 p line name qual
	base=$(base_commit)
	if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
		echo "api-check: the base commit $base of api/BASE is not in this clone (shallow?); fetch the full history" >&2
		return 2
	fi
	rm -rf "$tmp/old" && mkdir -p "$tmp/old"
	git archive "$base" | tar -x -C "$tmp/old"
	local notes
	notes=$(unreleased "$dir")
	for p in "${PKGS[@]}"; do
		if [ ! -d "$tmp/old/$p" ]; then continue; fi
		(cd "$tmp/old" && "$apidiff" -w "$tmp/$p.api" "./$p")
		(cd "$dir" && "$apidiff" -incompatible "$tmp/$p.api" "./$p") > "$tmp/$p.diff"
		while IFS= read -r line; do
			case "$line" in "- "*) ;; *) continue ;; esac
			name=${line#- }
			name=${name%%:*}
			qual="$p.$(printf '%s' "$name" | tr -d '()*')"
			if grep -qF -- "$qual" <<<"$notes"; then
				echo "api-check: $p: incompatible, recorded in CHANGELOG.md: $line"
			else
				echo "api-check: $p: incompatible change not in CHANGELOG.md's Unreleased section (name $qual there): $line" >&2
				fail=1
			fi
		done < "$tmp/$p.diff"
	done
	if [ $fail -eq 0 ]; then
		echo "api-check: ${PKGS[*]} compatible with $base (or the change log records why not)"
	fi
	return $fail
}

if [ "${1:-}" = -self-test ]; then
	# A copy of the working tree with one exported function of ttlv removed.
	copy="$tmp/copy"
	mkdir -p "$copy"
	git ls-files -z | xargs -0 tar -c | tar -x -C "$copy"
	grep -q '^func SizeBytes(' "$copy/ttlv/wire.go"
	sed -i 's/^func SizeBytes(/func sizeBytesRemoved(/' "$copy/ttlv/wire.go"
	sed -i 's/\bSizeBytes(/sizeBytesRemoved(/g' $(grep -rl --include='*.go' 'SizeBytes(' "$copy")
	if check "$copy" >"$tmp/self.out" 2>&1; then
		cat "$tmp/self.out"
		echo "api-check self-test: FAILED — removing ttlv.SizeBytes passed the check" >&2
		exit 1
	fi
	grep -F "ttlv.SizeBytes" "$tmp/self.out"
	# The entry goes at the end of the Unreleased section (before the next "## ").
	awk 'BEGIN { in_unrel = 0; done = 0 }
		/^## / && in_unrel && !done { print "### Breaking\n\n- `ttlv.SizeBytes` removed (self-test).\n"; done = 1 }
		/^## / { in_unrel = ($0 ~ /^## \[?Unreleased/) }
		{ print }
		END { if (in_unrel && !done) print "\n### Breaking\n\n- `ttlv.SizeBytes` removed (self-test)." }' \
		CHANGELOG.md >"$copy/CHANGELOG.md"
	if ! check "$copy" >"$tmp/self.out" 2>&1; then
		cat "$tmp/self.out"
		echo "api-check self-test: FAILED — the change log entry did not satisfy the check" >&2
		exit 1
	fi
	echo "api-check self-test: removing ttlv.SizeBytes fails the check; naming it in CHANGELOG.md's Unreleased section passes it"
	exit 0
fi

check "$PWD"
