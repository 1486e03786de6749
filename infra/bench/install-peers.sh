#!/usr/bin/env bash
# Installs the peer systems the benchmarks compare against, from Debian packages, only when they
# are missing: fastText and scikit-learn (NLU); R with the forecast and prophet packages
# (forecasting, infra/bench/forecast/*.R).
set -euo pipefail

need=()
command -v fasttext >/dev/null 2>&1 || need+=(fasttext)
/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || need+=(python3-sklearn)
command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
for pkg in forecast prophet; do
	if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e "quit(status = !requireNamespace('$pkg', quietly = TRUE))" >/dev/null 2>&1; then
		need+=("r-cran-$pkg")
	fi
done

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "install-peers: installing ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
