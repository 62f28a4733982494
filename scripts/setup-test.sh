#!/usr/bin/env bash
# What the tests need beyond `npm ci`: NLTK (reference BLEU values), SciPy (reference Spearman values), Chromium (report screenshots), and
# node-llama-cpp's llama.cpp built for this machine (the embedded-model tests).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
/usr/bin/python3 -c "import nltk" 2>/dev/null || need+=(python3-nltk)
/usr/bin/python3 -c "import scipy" 2>/dev/null || need+=(python3-scipy)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
node scripts/build-llama.mjs
