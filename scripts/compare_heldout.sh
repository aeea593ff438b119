#!/usr/bin/env bash
# The held-out sets measured with this checkout's code and with an older commit's, in one run:
#   scripts/compare_heldout.sh [BASE_COMMIT]   (default 501335f, the code before e5 and CC-CEDICT)
# The older code is unpacked into a temporary directory and run with its own `paperlens eval`.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE_COMMIT=${1:-501335f}
BASE=$(mktemp -d)
git archive "$BASE_COMMIT" | tar -x -C "$BASE"
OUT=${OUT:-$ROOT/heldout-$(date +%Y%m%d-%H%M)}
mkdir -p $OUT
lscpu | grep -i "model name" > $OUT/cpu.txt
for lang in en zh; do
  .venv/bin/paperlens-lab eval eval/med-$lang --mode all --split test > $OUT/new-$lang.txt 2>&1
  (cd "$BASE" && PYTHONPATH="$BASE" "$ROOT/.venv/bin/python" -m cli.main eval "$ROOT/eval/med-$lang" --mode all --split test) > $OUT/base-$lang.txt 2>&1
done
.venv/bin/paperlens-lab eval-answers --questions eval/med-answers/heldout.jsonl --corpus eval/med-en/corpus.jsonl --show wrong > $OUT/new-answers.txt 2>&1
(cd "$BASE" && PYTHONPATH="$BASE" "$ROOT/.venv/bin/python" "$ROOT/scripts/base_answers.py" "$ROOT/eval/med-answers/heldout.jsonl" "$ROOT/eval/med-en/corpus.jsonl") > $OUT/base-answers.txt 2>&1
rm -rf "$BASE"
echo "results in $OUT"
