#!/usr/bin/env bash
# Checks that fuzz/oss-fuzz/build.sh builds every native fuzz target of the
# repository (func FuzzX(f *testing.F) in a _test.go file), and names no
# target that does not exist. Run from anywhere; exits 1 with the
# differences. TestOSSFuzzBuildNamesEveryTarget checks the same in Go.
set -euo pipefail
cd "$(dirname "$0")/../.."
mod=$(go list -m)
want=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . |
	sed -E 's#^\./(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]+).*#'"$mod"'/\1 \2#' | sort -u)
have=$(grep -E '^compile_native_go_fuzzer_v2 ' fuzz/oss-fuzz/build.sh |
	sed -E 's#^compile_native_go_fuzzer_v2 \$M#'"$mod"'#' | awk '{print $1, $2}' | sort -u)
if [ "$want" != "$have" ]; then
	echo "fuzz/oss-fuzz/build.sh and the repository's fuzz targets differ (< repository, > build.sh):"
	diff <(echo "$want") <(echo "$have") || true
	exit 1
fi
echo "fuzz/oss-fuzz/build.sh builds all $(echo "$want" | wc -l) fuzz targets"
