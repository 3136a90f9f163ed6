#!/usr/bin/env python3
"""The read workloads of ./ops/bench: the same queries for the ledger and for PostgreSQL.

From the generated commands (`ledgerctl seed`) and what `ledgerctl append` printed for
them (partition and ledgerseq of each line), writes into OUT:
  record.paths    history.paths    asof.paths    list.paths    proof.paths  analytics.paths
  record.tsv      history.tsv      asof.tsv      list.tsv        (ledger-pg-bench read)
Each .paths line is a GET path for `ledgerctl bench --get`; each .tsv line the same
query for `ledger-pg-bench read`. Subjects are drawn with a fixed seed, so two runs over
the same data ask the same questions.
"""
import argparse
import collections
import json
import os
import random
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commands", required=True, help="the seed NDJSON the ledger holds")
    ap.add_argument("--appended", required=True, help="ledgerctl append's stdout for it")
    ap.add_argument("--asof", required=True, help="RFC 3339 recorded time for the ledger's as-of reads")
    ap.add_argument("--pg-asof", required=True, help="the same for PostgreSQL's load")
    ap.add_argument("--queries", type=int, default=2000, help="queries per workload")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    subjects, events, first = [], collections.Counter(), {}
    owners = collections.defaultdict(set)  # kind -> owners
    with open(a.commands, encoding="utf-8") as f:
        for number, line in enumerate(f):
            c = json.loads(line)
            s = c["subject"]
            if events[s] == 0:
                subjects.append(s)
                first[s] = number
            events[s] += 1
            owner = c["data"].get("owner")
            if isinstance(owner, str):
                owners[s.split("/", 1)[0]].add(owner)
    ends = collections.Counter()  # partition -> events
    with open(a.appended, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ends[r["partition"]] = max(ends[r["partition"]], r["ledgerseq"] + 1)

    rng = random.Random(8)
    n = a.queries
    os.makedirs(a.out, exist_ok=True)

    def write(name, paths, rows):
        with open(os.path.join(a.out, name + ".paths"), "w", encoding="utf-8") as f:
            f.writelines(p + "\n" for p in paths)
        if rows is not None:
            with open(os.path.join(a.out, name + ".tsv"), "w", encoding="utf-8") as f:
                f.writelines("\t".join(r) + "\n" for r in rows)

    def path(subject):
        kind, rid = subject.split("/", 1)
        return "/v1/records/" + kind + "/" + urllib.parse.quote(rid, safe="")

    picked = [rng.choice(subjects) for _ in range(n)]
    write("record", [path(s) for s in picked], [("record", s) for s in picked])
    # History of records with more than one event, the first page of 100.
    multi = [s for s in subjects if events[s] > 1]
    picked = [rng.choice(multi) for _ in range(n)]
    write("history", [path(s) + "/history?limit=100" for s in picked],
          [("history", s) for s in picked])
    # As of a time half-way through the load: records that existed by then, whose first
    # event is in the first 45% of the commands (the rest would rightly answer 404).
    asof = urllib.parse.quote(a.asof, safe="")
    total = number + 1
    early = [s for s in multi if first[s] < 0.45 * total]
    picked = [rng.choice(early) for _ in range(n)]
    write("asof", [path(s) + "?asof=" + asof for s in picked],
          [("asof", s, a.pg_asof) for s in picked])
    lists = [(k, o) for k in ("opportunity", "account", "activity") for o in sorted(owners[k])]
    picked = [rng.choice(lists) for _ in range(n)]
    write("list", ["/v1/records/%s?owner=%s&limit=50" % (k, urllib.parse.quote(o, safe=""))
                   for k, o in picked], [("list", k, o) for k, o in picked])
    parts = sorted(ends)
    proofs = []
    for _ in range(n):
        p = rng.choice(parts)
        proofs.append("/v1/proofs/inclusion?partition=%d&seq=%d&size=%d" %
                      (p, rng.randrange(ends[p]), ends[p]))
    write("proof", proofs, None)
    reports = ["pipeline", "funnel", "win-loss?by=owner", "activities",
               "customers?top=20", "service?by=product", "products?top=20"]
    write("analytics", ["/v1/analytics/" + r for r in reports], None)


if __name__ == "__main__":
    main()
