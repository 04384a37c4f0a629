#!/usr/bin/env bash
# Operating-system packages the course needs. The single place where they are listed.
# On Debian/Ubuntu as root: installs what is missing (idempotent). Elsewhere: prints the command.
set -euo pipefail

PACKAGES=(
  wordnet-base                # WordNet 3.0 database (synonyms for text augmentation)
  wordnet-sense-index         # index.sense, which NLTK's WordNet reader needs
  espeak-ng                   # speech synthesiser: the synthetic spoken-digit set
  asterisk-core-sounds-en-wav # real recordings of the digits 0-9 (CC-BY-SA)
  apertium                    # rule-based machine translation for back-translation
  apertium-eng-spa            # its English <-> Spanish pair
  chromium                    # headless browser for the browser test suite
  bubblewrap                  # the grading sandbox: every submission's kernel runs confined (bwrap)
  postgresql                  # shared gradebook for several graders; the tests start a private server
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${#PACKAGES[@]})"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "system packages: done"
else
  echo "system packages missing: ${missing[*]}" >&2
  echo "Install them once with:" >&2
  echo "    sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  echo "(on macOS: brew install wordnet espeak-ng apertium; the course then uses what it finds." >&2
  echo " Without them, the WordNet, speech and back-translation parts say what is missing;" >&2
  echo " without bubblewrap, which exists only on Linux, make grade refuses to grade a class.)" >&2
fi
