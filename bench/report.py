#!/usr/bin/env python3
"""Collects one ./ops/bench run (bench/out/*.json) into bench/results.json and a table.

results.json holds every raw figure under "raw" (file name -> its JSON), the derived
figures under "figures", the ratios the issue asks for under "ratios" (each higher is
better for the ledger), and each target with its threshold and whether this run met it
under "targets". Every ratio divides two figures measured in the same run.
"""
import argparse
import datetime
import glob
import json
import math
import os
import platform
import subprocess


def load(out):
    raw = {}
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        with open(path, encoding="utf-8") as f:
            raw[os.path.basename(path)[:-5]] = json.load(f)
    return raw


def rate(d):
    """Events (or queries) per second of one report, whichever tool wrote it."""
    if d is None:
        return None
    for key in ("events_per_s", "requests_per_s", "ops_per_s"):
        if d.get(key):
            return float(d[key])
    if d.get("events") and d.get("elapsed_s"):
        return d["events"] / d["elapsed_s"]
    return None


def micro(raw, name):
    """items_per_second (or real time in ns) of a ledger_bench benchmark by exact name."""
    for b in raw.get("micro", {}).get("benchmarks", []):
        if b.get("name") == name and b.get("run_type", "iteration") == "iteration":
            return b
    return None


def ratio(a, b):
    return None if a is None or not b else a / b


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--table", required=True)
    a = ap.parse_args()
    raw = load(a.out)
    get = raw.get

    fig = {}
    crypto_all = next((b for b in raw.get("micro", {}).get("benchmarks", [])
                       if b["name"].startswith("BM_CryptoLimit/real_time/threads:")
                       and not b["name"].endswith("threads:1")), None)
    crypto_one = micro(raw, "BM_CryptoLimit/real_time/threads:1")
    fig["crypto_limit_events_per_s"] = crypto_all and crypto_all["items_per_second"]
    fig["crypto_limit_one_core_events_per_s"] = crypto_one and crypto_one["items_per_second"]
    ingest = {}
    for name in sorted(k[len("ingest_ledger_"):] for k in raw if k.startswith("ingest_ledger_")):
        led, pg = get("ingest_ledger_" + name), get("ingest_pg_" + name)
        ingest[name] = {
            "ledger_events_per_s": rate(led), "postgres_events_per_s": rate(pg),
            "ratio": ratio(rate(led), rate(pg)),
            "ledger_p50_ms": led.get("latency_ms_p50"), "ledger_p99_ms": led.get("latency_ms_p99"),
            "postgres_p50_ms": pg and pg.get("latency_ms_p50"),
            "postgres_p99_ms": pg and pg.get("latency_ms_p99"),
            "ledgerd_rss_peak_kb": led.get("server_rss_peak_kb"),
        }
    fig["ingest"] = ingest
    batched = [n for n in ingest if n.endswith("_b100")]
    best = max(batched, key=lambda n: ingest[n]["ledger_events_per_s"] or 0, default=None)
    fig["ingest_batched_best_shape"] = best
    reads = {}
    for w in ("record", "history", "asof", "list", "proof", "analytics"):
        led, pg = get("read_ledger_" + w), get("read_pg_" + w)
        if led is None:
            continue
        reads[w] = {
            "ledger_qps": rate(led), "ledger_p50_ms": led.get("latency_ms_p50"),
            "ledger_p99_ms": led.get("latency_ms_p99"),
            "ledger_p99_over_p50": ratio(led.get("latency_ms_p99"), led.get("latency_ms_p50")),
            "ledger_errors": led.get("errors_total"),
            "ledgerd_rss_peak_kb": led.get("server_rss_peak_kb"),
            "postgres_qps": rate(pg), "postgres_p50_ms": pg and pg.get("latency_ms_p50"),
            "postgres_p99_ms": pg and pg.get("latency_ms_p99"),
            "ratio": ratio(rate(led), rate(pg)),
        }
    fig["reads"] = reads
    # Inclusion proofs from the stored tree: at 10^4 leaves and at the largest size run
    # (10^7 in the full run; --quick stops at 10^6, whose tree builds in seconds).
    proofs = {int(b["name"].split("/")[1]): b for b in raw.get("micro", {}).get("benchmarks", [])
              if b["name"].startswith("BM_StoredInclusionProof/")
              and b.get("run_type", "iteration") == "iteration"}
    proof_small = proofs.get(10000)
    large = max(proofs, default=None)
    proof_large = proofs.get(large) if large and large > 10000 else None
    fig["inclusion_proof_ns_10e4"] = proof_small and proof_small["real_time"]
    fig["inclusion_proof_leaves_large"] = large
    fig["inclusion_proof_ns_large"] = proof_large and proof_large["real_time"]
    replay, dbb, pgr = get("replay_ledger"), get("replay_db_bench"), get("replay_pg")
    fig["replay_events_per_s"] = rate(replay)
    fig["replay_peak_rss_kb"] = replay and replay.get("peak_rss_kb")
    fig["db_bench_fillseq_ops_per_s"] = rate(dbb)
    fig["postgres_rebuild_events_per_s"] = rate(pgr)
    for how in ("chains", "signatures"):
        fig["verify_%s_events_per_s" % how] = rate(get("verify_" + how))
    kl, kk = get("kafka_ledger"), get("kafka_kcat")
    fig["kafka_ledger_events_per_s"] = rate(kl)
    fig["kafka_kcat_events_per_s"] = rate(kk)
    ds, fp = get("dataset"), get("footprint")
    if ds:
        fig["events"] = ds["events"]
        fig["append_offline_events_per_s"] = ds["events"] / ds["append_elapsed_s"]
    if fp:
        fig["bytes_per_event_log"] = fp["log_bytes"] / fp["events"]
        fig["bytes_per_event_views"] = fp["views_bytes"] / fp["events"]
        fig["bytes_per_event_postgres"] = fp["postgres_bytes"] / fp["events"]

    led_b = best and ingest[best]["ledger_events_per_s"]
    ratios = {
        "ingest_vs_postgres": best and ingest[best]["ratio"],
        "ingest_vs_crypto_limit": ratio(led_b, fig["crypto_limit_events_per_s"]),
        "replay_vs_db_bench": ratio(fig["replay_events_per_s"], fig["db_bench_fillseq_ops_per_s"]),
        "replay_vs_postgres": ratio(fig["replay_events_per_s"], fig["postgres_rebuild_events_per_s"]),
        "reads_vs_postgres": geomean([reads[w]["ratio"] for w in ("record", "history", "list")
                                      if w in reads]),
        "kafka_append_vs_kcat": ratio(fig["kafka_ledger_events_per_s"], fig["kafka_kcat_events_per_s"]),
        # Lower-is-better figures turned around, so that each is higher-is-better too.
        "proof_10e4_vs_large": ratio(fig["inclusion_proof_ns_10e4"], fig["inclusion_proof_ns_large"]),
    }
    for w in reads:
        ratios["read_%s_vs_postgres" % w] = reads[w]["ratio"]
    rss = [v for v in [ingest[n]["ledgerd_rss_peak_kb"] for n in ingest] +
           [reads[w]["ledgerd_rss_peak_kb"] for w in reads] if v]
    fig["ledgerd_rss_peak_kb_max"] = max(rss) if rss else None

    def target(value, threshold, what):
        return {"what": what, "value": value, "threshold": threshold,
                "met": None if value is None else value >= threshold}
    p99s = [reads[w]["ledger_p99_over_p50"] for w in ("record", "history", "list") if w in reads]
    targets = {
        "ingest_vs_postgres": target(ratios["ingest_vs_postgres"], 3.0,
                                     "durable batched ingest >= 3x PostgreSQL's"),
        "ingest_vs_crypto_limit": target(ratios["ingest_vs_crypto_limit"], 0.6,
                                         "durable batched ingest >= 60% of the crypto limit"),
        "replay_vs_db_bench": target(ratios["replay_vs_db_bench"], 0.5,
                                     "replay >= 50% of db_bench fillseq"),
        "replay_vs_postgres": target(ratios["replay_vs_postgres"], 10.0,
                                     "replay >= 10x PostgreSQL's state rebuild"),
        "reads_vs_postgres": target(min([reads[w]["ratio"] for w in ("record", "history", "list")
                                         if w in reads and reads[w]["ratio"]], default=None), 3.0,
                                    "record, history and list reads each >= 3x PostgreSQL's q/s"),
        "reads_tail": target(None if not p99s else 2.0 / max(p99s), 1.0,
                             "p99 within 2x of p50 for record, history and list (value: 2 / worst p99/p50)"),
        "proofs_large_vs_10e4": target(None if not ratios["proof_10e4_vs_large"] else
                                       3.0 * ratios["proof_10e4_vs_large"], 1.0,
                                       "an inclusion proof at %s leaves within 3x of one at 10^4 "
                                       "(value: 3 x t(10^4) / t(large); 10^7 in the full run)" % large),
    }
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    result = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": a.mode, "commit": commit, "machine": {"cores": os.cpu_count(),
                                                    "kernel": platform.release()},
        "ratios": ratios, "targets": targets, "figures": fig, "raw": raw,
    }
    with open(a.results, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")

    def n(v, digits=0):
        if v is None:
            return "-"
        return ("{:,.%df}" % digits).format(v)
    lines = ["ops/bench %s run, %s, commit %s, %d cores, %s events" % (
        a.mode, result["when"], commit, os.cpu_count(), n(fig.get("events")))]
    lines.append("")
    lines.append("Durable ingest over HTTP (mixed sales events) vs PostgreSQL (libpq, same commands):")
    lines.append("%-9s %12s %9s %9s %12s %9s %9s %7s %10s" % (
        "shape", "ledger ev/s", "p50 ms", "p99 ms", "pg ev/s", "p50 ms", "p99 ms", "ratio", "RSS MB"))
    for name, r in ingest.items():
        lines.append("%-9s %12s %9s %9s %12s %9s %9s %7s %10s" % (
            name, n(r["ledger_events_per_s"]), n(r["ledger_p50_ms"], 2), n(r["ledger_p99_ms"], 2),
            n(r["postgres_events_per_s"]), n(r["postgres_p50_ms"], 2), n(r["postgres_p99_ms"], 2),
            n(r["ratio"], 2), n((r["ledgerd_rss_peak_kb"] or 0) / 1024)))
    lines.append("crypto limit (SHA-256 + Ed25519, all cores): %s ev/s (one core %s)" % (
        n(fig["crypto_limit_events_per_s"]), n(fig["crypto_limit_one_core_events_per_s"])))
    lines.append("")
    lines.append("Queries at %s events (ledger: HTTP with a compliance token; PostgreSQL: prepared, indexed):" % n(fig.get("events")))
    lines.append("%-10s %10s %9s %9s %8s %10s %9s %9s %7s" % (
        "query", "ledger q/s", "p50 ms", "p99 ms", "p99/p50", "pg q/s", "p50 ms", "p99 ms", "ratio"))
    for w, r in reads.items():
        lines.append("%-10s %10s %9s %9s %8s %10s %9s %9s %7s" % (
            w, n(r["ledger_qps"]), n(r["ledger_p50_ms"], 2), n(r["ledger_p99_ms"], 2),
            n(r["ledger_p99_over_p50"], 1), n(r["postgres_qps"]), n(r["postgres_p50_ms"], 2),
            n(r["postgres_p99_ms"], 2), n(r["ratio"], 2)))
    lines.append("inclusion proof from the stored tree: %s ns at 10^4 leaves, %s ns at %s" % (
        n(fig["inclusion_proof_ns_10e4"]), n(fig["inclusion_proof_ns_large"]), n(large)))
    lines.append("")
    lines.append("replay: %s ev/s (peak RSS %s MB); db_bench fillseq %s ops/s; PostgreSQL rebuild %s ev/s" % (
        n(fig["replay_events_per_s"]), n((fig["replay_peak_rss_kb"] or 0) / 1024),
        n(fig["db_bench_fillseq_ops_per_s"]), n(fig["postgres_rebuild_events_per_s"])))
    lines.append("verify: %s ev/s chains only, %s ev/s with every signature; offline append %s ev/s" % (
        n(fig["verify_chains_events_per_s"]), n(fig["verify_signatures_events_per_s"]),
        n(fig.get("append_offline_events_per_s"))))
    lines.append("kafka (mock cluster): ledger %s ev/s, kcat the same bytes %s ev/s" % (
        n(fig["kafka_ledger_events_per_s"]), n(fig["kafka_kcat_events_per_s"])))
    lines.append("bytes per event: log %s, views %s, PostgreSQL %s; ledgerd peak RSS %s MB" % (
        n(fig.get("bytes_per_event_log")), n(fig.get("bytes_per_event_views")),
        n(fig.get("bytes_per_event_postgres")), n((fig["ledgerd_rss_peak_kb_max"] or 0) / 1024)))
    lines.append("")
    lines.append("%-24s %8s  %s" % ("ratio", "value", "target"))
    for k, v in ratios.items():
        t = targets.get(k)
        lines.append("%-24s %8s  %s" % (k, n(v, 3), "" if t is None else
                                         "%s (%s)" % (t["what"], {True: "met", False: "NOT met", None: "not measured"}[t["met"]])))
    for k in ("reads_tail", "proofs_large_vs_10e4"):
        t = targets[k]
        lines.append("%-24s %8s  %s (%s)" % (k, n(t["value"], 3), t["what"],
                                              {True: "met", False: "NOT met", None: "not measured"}[t["met"]]))
    with open(a.table, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
