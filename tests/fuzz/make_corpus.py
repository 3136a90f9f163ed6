#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ from schemas/examples/lifecycle.ndjson and
docs/FORMAT.md, plus hand-made edge cases. Run from anywhere; it rewrites only the files it
names (seed-*), so inputs added by hand (crash-*, regression inputs) stay.

Canonical bytes are made with json.dumps(sort_keys, no spaces, ensure_ascii=False), which
is RFC 8785 for what is here (integers, BMP keys); the fuzz targets check that they parse.
"""
import base64
import hashlib
import json
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def jcs(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write(target, name, data):
    path = CORPUS / target / ("seed-" + name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def commands():
    with open(ROOT / "schemas" / "examples" / "lifecycle.ndjson", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def command_seeds(cmds):
    seen = set()
    for c in cmds:  # one command of each event type
        if c["type"] in seen:
            continue
        seen.add(c["type"])
        write("fuzz_command", c["type"], json.dumps(c, ensure_ascii=False))
    write("fuzz_command", "batch", json.dumps({"events": cmds[:3]}, ensure_ascii=False))
    write("fuzz_command", "batch-opportunity",
          json.dumps({"events": [c for c in cmds if c["subject"].startswith("opportunity/")][:3]},
                     ensure_ascii=False))
    edge = {
        "empty-object": "{}",
        "array": "[]",
        "string": '"account.registered"',
        "events-empty": '{"events":[]}',
        "events-object": '{"events":{}}',
        "events-extra": '{"events":[],"x":1}',
        "events-scalars": '{"events":[1,null,"x",[]]}',
        "unknown-attribute-slash": '{"type":"account.registered","subject":"account/A-1",'
                                   '"data":{"name":"A","owner":"u:a"},"a/b~c":1}',
        "data-key-slash": '{"type":"account.registered","subject":"account/A-1",'
                          '"data":{"name":"A","owner":"u:a","x/~y":1}}',
        "envelope-types": '{"type":1,"subject":[],"data":"x","id":"","expectedversion":-1,'
                          '"schemaversion":0,"occurredat":"yesterday"}',
        "limits": '{"type":"' + "t" * 65 + '","subject":"account/' + "s" * 160 + '",'
                  '"id":"has space","expectedversion":9007199254740992,"schemaversion":1001,'
                  '"data":{}}',
        "float-data": '{"type":"payment.received","subject":"payment/PAY-1",'
                      '"data":{"invoice":"INV-1","amount":{"amount":1.5,"currency":"CNY"}}}',
        "big-integers": '{"type":"order.placed","subject":"order/O-1","data":{"amount":'
                        '18446744073709551615,"n":-9223372036854775808,"m":1e400}}',
        "deep": '{"type":"account.registered","subject":"account/A-1","data":'
                + '{"a":' * 29 + "1" + "}" * 29 + "}",
        "unicode": '{"type":"contact.registered","subject":"contact/C-\\u00e9",'
                   '"data":{"name":"\\ud83d\\ude00\\u0000","email":"a@b.c"}}',
        "retraction": '{"type":"event.retracted","subject":"order/O-1",'
                      '"data":{"event":"lifecycle-001","reason":"typo"}}',
        "partial-schemaversion": '{"type":"account.registered","subject":"account/A-1",'
                                 '"schemaversion":-9223372036854775808,"data":{"name":1}}',
        "no-type": '{"subject":"account/A-1","data":{"name":"A"}}',
    }
    for name, text in edge.items():
        write("fuzz_command", name, text)


FORMAT_EVENT = None


def events(cmds):
    """Canonical events as the writer would record the first commands, chained."""
    out = []
    prev = {}
    for i, c in enumerate(cmds[:16]):
        time = "2026-03-02T09:30:%02d.%06dZ" % (i, i * 1013)
        p = i % 4
        seq = len([e for e in out if e["partition"] == p])
        e = {
            "specversion": "1.0", "id": c.get("id", "gen-%d" % i), "source": "sales-ledger",
            "type": c["type"], "subject": c["subject"], "time": time,
            "datacontenttype": "application/json", "data": c["data"],
            "schemaversion": c.get("schemaversion", 1),
            "occurredat": c.get("occurredat", time), "actor": "user:li.wei",
            "streamversion": 1, "streamprev": "", "partition": p, "ledgerseq": seq,
            "ledgerprev": prev.get(p, ""),
        }
        if i % 5 == 1:
            e["correlationid"] = "deal-desk-%d" % i
        text = jcs(e)
        prev[p] = hashlib.sha256(b"\x00" + text.encode()).hexdigest()
        out.append(e)
    doc = (ROOT / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- vector:canonical -->\s*```[a-z]*\n(.*?)\n```", doc, re.S)
    if m:
        out.append(json.loads(m.group(1)))
    return out


def event_seeds(cmds):
    for i, e in enumerate(events(cmds)):
        text = jcs(e)
        raw = text.encode()
        sig = hashlib.sha512(raw).digest()
        kid = struct.unpack(">I", hashlib.sha256(raw).digest()[:4])[0]
        write("fuzz_event", "event-%02d" % i, text)
        if i % 2 == 0:
            line = '{"event":%s,"kid":"%08x","sig":"%s"}' % (
                text, kid, base64.b64encode(sig).decode())
            write("fuzz_event", "feed-%02d" % i, line)
        if i % 3 == 0:
            value = b"\x01" + struct.pack("<II", 1, len(raw)) + raw + sig + struct.pack("<I", kid)
            write("fuzz_event", "record-%02d" % i, value)
        if i % 4 == 0:
            headers = ["ledgersig", base64.b64encode(sig).decode(), "ledgerkid", "%08x" % kid,
                       "ce_id", e["id"], "ce_type", e["type"], "ce_subject", e["subject"],
                       "ce_time", e["time"], "ce_source", e["source"], "ce_specversion", "1.0"]
            kcat = {"topic": "sales-ledger", "partition": e["partition"],
                    "offset": e["ledgerseq"], "key": e["subject"], "payload": text,
                    "headers": headers}
            write("fuzz_event", "kcat-%02d" % i, json.dumps(kcat, ensure_ascii=False))
    e = events(cmds)[1]
    write("fuzz_event", "edge-spaces", json.dumps(e, sort_keys=True))
    write("fuzz_event", "edge-unsorted", json.dumps(e, separators=(",", ":")))
    write("fuzz_event", "edge-unknown", jcs(dict(e, zz=1)))
    write("fuzz_event", "edge-missing", jcs({k: v for k, v in e.items() if k != "actor"}))
    write("fuzz_event", "edge-float", jcs(dict(e, data={"x": 1.5})))
    write("fuzz_event", "edge-unsafe-int", jcs(dict(e, data={"x": 2**53})))
    write("fuzz_event", "edge-first-with-prev", jcs(dict(events(cmds)[5], ledgerseq=0)))
    write("fuzz_event", "edge-record-big-endian",
          b"\x00" + struct.pack(">II", 1, 2) + b"{}" + bytes(64) + struct.pack(">I", 7))
    write("fuzz_event", "edge-record-long", b"\x01" + struct.pack("<II", 1, 0xFFFFFFFF))
    write("fuzz_event", "edge-record-version", b"\x01" + struct.pack("<II", 2, 0))


def canonical_seeds(cmds):
    seeds = {
        "rfc8785-numbers": "[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]",
        "rfc8785-strings": '{"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}',
        "rfc8785-literals": "[null,true,false]",
        "rfc8785-sorting": '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew",'
                           '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",'
                           '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
        "numbers-edges": "[1e21,1e-7,999999999999999999999,0.000001,-0,-0.0,5e-324,"
                         "1.7976931348623157e308,9007199254740993,-9223372036854775808,"
                         "18446744073709551615,18446744073709551616,1e400,123.456e-300]",
        "controls": '"\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\\u007f\\u2028"',
        "surrogate-keys": '{"\\ue000":1,"\\ud800\\udc00":2,"\\uffff":3,"a":4,"":5}',
        "nested": '{"b":[{"d":1,"c":[[],{}]}],"a":{"z":null,"y":"\\u00e9"}}',
        "duplicate-keys": '{"a":1,"a":2}',
        "deep": "[" * 31 + "1" + "]" * 31,
    }
    for name, text in seeds.items():
        write("fuzz_canonical", name, text)
    for i, c in enumerate(cmds[:10:3]):
        write("fuzz_canonical", "command-%d" % i, json.dumps(c, ensure_ascii=False))
    for i, e in enumerate(events(cmds)[:3]):
        write("fuzz_canonical", "event-%d" % i, json.dumps(e, indent=1))


def write_dict(target, tokens):
    """A libFuzzer dictionary (-dict=): JSON tokens the mutator would hardly guess."""
    def quote(token):
        out = ""
        for b in token.encode():
            c = chr(b)
            out += "\\" + c if c in '"\\' else c if 0x20 <= b < 0x7F else "\\x%02X" % b
        return '"' + out + '"'
    lines = ["# Written by make_corpus.py."] + [quote(t) for t in sorted(set(tokens))]
    (ROOT / "tests" / "fuzz" / (target + ".dict")).write_text("\n".join(lines) + "\n")


def field_names(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            field_names(v, out)
    elif isinstance(value, list):
        for v in value:
            field_names(v, out)
    elif isinstance(value, str) and re.fullmatch(r"[a-z_]{2,24}|[A-Z]{3}", value):
        out.add(value)  # enum values and currencies


JSON_TOKENS = ["{", "}", "[", "]", ":", ",", "null", "true", "false", "\"\"", "-0", "1e400",
               "9007199254740992", "18446744073709551616", "\\u0000", "\\ud800", "\\udc00",
               "\\\"", "~0", "~1", "/"]


def dictionaries(cmds):
    names = set()
    for c in cmds:
        field_names(c["data"], names)
    envelope = ["type", "subject", "data", "id", "occurredat", "expectedversion", "schemaversion",
                "correlationid", "causationid", "events"]
    write_dict("fuzz_command", JSON_TOKENS + ['"%s"' % n for n in names | set(envelope)] +
               [c["type"] for c in cmds] + ["event.retracted", "2026-03-02T09:30:00Z"])
    event = ["specversion", "source", "time", "datacontenttype", "actor", "streamversion",
             "streamprev", "partition", "ledgerseq", "ledgerprev", "1.0", "application/json",
             "event", "sig", "kid", "key", "payload", "headers", "ledgersig", "ledgerkid", "ce_id",
             "ce_type", "ce_subject", "ce_time", "ce_source", "ce_specversion"]
    write_dict("fuzz_event", JSON_TOKENS + ['"%s"' % n for n in envelope + event] +
               ["0" * 64, "2026-03-02T09:30:00.000000Z"])


def main():
    cmds = commands()
    command_seeds(cmds)
    event_seeds(cmds)
    canonical_seeds(cmds)
    dictionaries(cmds)


if __name__ == "__main__":
    main()
