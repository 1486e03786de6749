#!/usr/bin/env bash
# Installs the Debian packages the tests run for real when this machine lacks them: curl and
# openssl (the docs' samples), SIPp and baresip (SIP peers), espeak-ng and pocketsphinx (the local
# speech engines of the media edge), chromium (the console's browser tests, driven by playwright-core),
# qpdf and poppler-utils with poppler-data (independent readers of the VOC report's PDF).
# Idempotent: does nothing when every command is present.
set -euo pipefail
declare -A pkg=(
  [curl]=curl [openssl]=openssl
  [sipp]=sip-tester [baresip]=baresip
  [espeak-ng]=espeak-ng [pocketsphinx_batch]=pocketsphinx
  [chromium]=chromium
  [qpdf]=qpdf [pdftotext]=poppler-utils
)
need=()
for cmd in "${!pkg[@]}"; do command -v "$cmd" >/dev/null || need+=("${pkg[$cmd]}"); done
# The English acoustic model is data, not a command.
[ -d /usr/share/pocketsphinx/model/en-us ] || need+=(pocketsphinx-en-us)
# Adobe's CJK character collections, so that pdftotext reads the PDF's Chinese text.
[ -d /usr/share/poppler/cMap/Adobe-GB1 ] || need+=(poppler-data)
# A CJK font, so that the console's screenshots show Chinese text.
[ -d /usr/share/fonts/truetype/wqy ] || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing ${need[*]}" >&2
# One installer at a time: parallel callers (CI and make) wait for each other.
exec 9>/tmp/lingxi-apt.lock
flock 9
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
