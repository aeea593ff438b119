"""The lab's commands: eval (retrieval quality on a BEIR-format set), eval-answers (answer quality on a
labelled question set) and bench (performance). They print; the measuring is in the modules beside them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from index.cpu import cpu_line
from index.progress import progress


def emit(obj: Any) -> None:
    """One JSON document on stdout."""
    print(json.dumps(obj, ensure_ascii=False, default=str))


def cmd_eval(a: argparse.Namespace) -> int:
    from lab.evaluate import MODES, run_eval

    modes = MODES if a.mode == "all" else (a.mode,)
    overrides: dict[str, Any] = {}
    if a.dtype:
        overrides["embed_dtype"] = a.dtype
    if a.query_dtype:
        overrides["query_dtype"] = a.query_dtype
    if a.no_multilingual:
        overrides["multilingual"] = False
    result = run_eval(Path(a.dir), modes, a.split, progress, **overrides)
    if a.json:
        emit(result)
        return 0
    print(
        f"{result['dataset']}: {result['documents']} documents, model {result['model']} (documents "
        f"{result['dtype']}, queries {result.get('query_dtype', '?')})"
    )
    print(f"CPU: {cpu_line(result['cpu'])}")
    print(f"{'mode':<8} {'nDCG@10':>8} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'MRR@10':>7}  queries")
    for mode, m in result["modes"].items():
        print(
            f"{mode:<8} {m['ndcg@10']:>8.4f} {m['recall@1']:>7.4f} {m['recall@5']:>7.4f} "
            f"{m['recall@10']:>7.4f} {m['mrr@10']:>7.4f}  {m['queries']}"
        )
    return 0


def cmd_eval_answers(a: argparse.Namespace) -> int:
    from index.config import LLMSettings
    from lab.answer_eval import run_answer_eval

    path = Path(a.questions)
    if not path.is_file():
        print(f"paperlens-lab: error: no question set at {path} (pass --questions PATH)", file=sys.stderr)
        return 2
    corpus = Path(a.corpus) if a.corpus else None
    if corpus is not None and not corpus.is_file():
        print(f"paperlens-lab: error: no corpus at {corpus} (a BEIR corpus.jsonl)", file=sys.stderr)
        return 2
    result = run_answer_eval(path, LLMSettings(), progress, corpus=corpus)
    if a.json:
        emit(result)
        return 0
    print(f"{path}: {result['runs'][0]['questions']} questions; CPU: {cpu_line(result['cpu'])}")
    for run in result["runs"]:
        for row in run["rows"]:
            if a.show == "all" or (a.show == "wrong" and not row["correct"]):
                mark = "ok " if row["correct"] else "MISS"
                why = "" if row["correct"] else f"  missing {row['missing']} cited={row['cites_paper']}"
                print(f"{mark} {row['id']} {row['question']}{why}\n     {row['answer'][:300]}")
        print(f"provider {run['provider']} ({run['seconds']} s):")
        for lang, s in run["scores"].items():
            print(
                f"  {lang:<4} {s['correct']:>3}/{s['questions']:<3} correct {s['share']:.0%}  "
                f"(states the fact {s['states_fact']:.0%}, cites the paper {s['cites_paper']:.0%})"
            )
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    from lab.bench import run_bench
    from lab.bench_search import KINDS

    try:
        sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    except ValueError:
        print(
            "paperlens-lab: error: --sizes takes numbers separated by commas, e.g. 10000,100000",
            file=sys.stderr,
        )
        return 2
    kinds = tuple(k.strip() for k in a.kinds.split(",") if k.strip())
    sets = tuple(s.strip() for s in a.sets.split(",") if s.strip())
    if not sizes or min(sizes) < 100:
        print("paperlens-lab: error: each size must be at least 100", file=sys.stderr)
        return 2
    if not kinds or set(kinds) - set(KINDS) or not sets or set(sets) - {"realistic", "stress"}:
        print(
            f"paperlens-lab: error: --kinds takes {','.join(KINDS)}; --sets takes realistic,stress",
            file=sys.stderr,
        )
        return 2
    for f in (a.corpus, a.queries):
        if f is not None and not f.is_file():
            print(f"paperlens-lab: error: {f} is not a file", file=sys.stderr)
            return 2
    result = run_bench(sizes, a.ingest_papers, a.corpus, a.queries, kinds, sets, not a.no_bm25, a.abstracts)
    service_size = (
        a.service_size if a.service_size is not None else (100_000 if 100_000 in sizes else min(sizes))
    )
    if service_size:
        from lab.bench_service import bench_service

        result["service"] = bench_service(service_size, a.corpus, a.abstracts, a.requests)
    if a.plot and str(a.plot) != "-":
        from lab.plot import plot_bench

        plot_bench(result, a.plot)
    if a.json:
        emit(result)
        return 0
    print_bench(result)
    if a.plot and str(a.plot) != "-":
        print(f"figures: {a.plot}")
    return 0


def print_bench(result: dict[str, Any]) -> None:
    i = result["ingest"]
    print(f"CPU: {cpu_line(result['machine']['cpu'])}")
    print(f"ingest ({i['papers']} synthetic abstracts, medians):")
    print(f"  raw sentence-transformers encode, float32: {i['raw_encode_float32_papers_per_s']} papers/s")
    paths = i.get("paths") or {
        "float32": {"papers_per_s": i["paperlens_float32_papers_per_s"], "ratio": i["ratio_same_dtype"]}
    }
    for name, p in paths.items():
        fidelity = f"  cosine to float32 mean {p['cos_mean']}, min {p['cos_min']}" if "cos_mean" in p else ""
        chosen = "  <- auto" if name == i["fastest_dtype"] else ""
        print(
            f"  PaperLens {name + ':':<13} {p['papers_per_s']} papers/s  ratio {p['ratio']}{fidelity}{chosen}"
        )
    if i["bfloat16_skipped"]:
        print(
            "  PaperLens bfloat16: skipped (no bfloat16 units on this CPU: it would be slower than float32)"
        )
    print(
        f"  PaperLens auto ({i['fastest_dtype']}) + multilingual (the default): "
        f"{i['paperlens_default_multilingual_papers_per_s']} papers/s  ratio {i['ratio_default_with_multilingual']}"
    )
    q = i.get("calibration", {}).get("queries")
    if q:
        print(
            f"  one query through the export: float32 {q['float32_ms']} ms, int8 {q['int8_ms']} ms "
            f"(cosine {q['cos_mean']}); queries take {i.get('queries', 'float32')}"
        )
    pool = result.get("pool")
    if pool:
        print(
            f"vector sets from {pool['sentences']} sentences of {pool['abstracts']} abstracts ({pool['source']}); "
            f"{result['queries']} queries; latency includes embedding the query"
        )
    print(
        f"{'set':<9} {'size':>9} {'index':<5} {'p50 ms':>7} {'p95 ms':>7} {'R@10':>6} {'add ms':>7} "
        f"{'reload s':>8} {'index MB':>8} {'build s':>7}"
    )
    for r in result["search"]:
        print(
            f"{r.get('set', ''):<9} {r['size']:>9} {r['index']:<5} {r['p50_ms']:>7} {r['p95_ms']:>7} "
            f"{r['recall@10_vs_exact']:>6} {r['add_one_ms']:>7} {r['reload_s']:>8} {r['index_mb']:>8} {r['build_s']:>7}"
        )
        for c in r.get("curve", []):
            knob = "ef_search" if "ef_search" in c else "nprobe"
            print(f"{'':<26}{knob} {c[knob]:>5}: R@10 {c['recall@10']:<6} search {c['search_ms']} ms")
    for s in result.get("serving", []):
        print(
            f"serving process at {s['size']}: {s['index']} in both spaces + both models"
            + (
                f" (documents {s['documents']}, queries {s['queries']}{', torch loaded' if s['torch_loaded'] else ''})"
                if "documents" in s
                else ""
            )
            + f": RSS {s['process_rss_mb']} MB, dense search p50 {s['p50_ms_dense']} ms"
            + (
                f"; with BM25 loaded too (hybrid): RSS {s['hybrid_process_rss_mb']} MB"
                if "hybrid_process_rss_mb" in s
                else ""
            )
        )
    sv = result.get("service")
    if sv:
        o, api = sv["one_shot"], sv["api"]
        print(
            f"one-shot commands at {sv['size']} papers (fresh processes, medians of 3): stats {o['stats_s']} s, "
            f"show {o['show_s']} s, search {o['search_s']} s"
        )
        print(
            f"API at {sv['size']} papers ({sv['index_type']}), /search from {api['concurrency']} clients, run of median "
            f"throughput of {len(api['runs'])}: {api['throughput_rps']} requests/s, p50 {api['p50_ms']} ms, "
            f"p95 {api['p95_ms']} ms, p99 {api['p99_ms']} ms, {api['errors']} errors"
        )
    for b in result.get("bm25", []):
        if "error" in b:
            print(f"BM25 at {b['size']}: {b['error']}")
            continue
        print(
            f"BM25 at {b['size']}: build {b['build_s']} s, held {b['held_mb']} MB (peak RSS {b['peak_rss_mb']} MB), "
            f"file {b['file_mb']} MB, query p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms"
        )


def cmd_encoders(a: argparse.Namespace) -> int:
    from lab.encoders import run

    if not a.corpus.is_file():
        print(f"paperlens-lab: error: no corpus at {a.corpus}", file=sys.stderr)
        return 2
    result = run(a.corpus, a.n, a.rounds)
    if a.json:
        emit(result)
        return 0
    e, i = result["encoders"], result["import"]
    print(f"CPU: {cpu_line(result['cpu'])}")
    print(
        f"{e['abstracts']} abstracts of {result['corpus']}, medians of {e['rounds']} rounds (paths taking turns):"
    )
    for name, rate in e["papers_per_s"].items():
        print(f"  {name:<44} {rate:>8} papers/s")
    print(f"  e5 ONNX export vs its C engine: cosine min {e['e5_onnx_vs_engine_cosine_min']}")
    print(
        f"import of {i['papers']} papers, both spaces: {i['seconds']} s, {i['papers_per_s']} papers/s "
        f"(100,000 papers: about {i['hours_for_100000']} h)"
    )
    return 0
