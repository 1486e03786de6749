#!/usr/bin/env bash
# Installs the peer systems the NLU bench compares against (fastText and
# scikit-learn), from Debian packages, only when they are missing.
set -euo pipefail

need=()
command -v fasttext >/dev/null 2>&1 || need+=(fasttext)
/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || need+=(python3-sklearn)

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
