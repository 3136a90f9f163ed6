#!/usr/bin/env python3
"""Checks the OpenAPI document (schemas/openapi.json) against the C++ validator.

Every command is judged twice: by the document's Command schema with Python's
jsonschema (Draft 2020-12, the whole document registered as the resource its $refs
point into) and by the C++ validator (the openapi_verdicts program: ledger's
ParseCommand, then schemas::ValidateCommand). The commands:

  - every line of the examples file: both must accept;
  - INVALID, commands that break one rule each: both must reject;
  - EDGE, unusual but valid commands: both must accept;
  - GAPS, what JSON Schema cannot state (README, "OpenAPI"): the schema must accept
    and the server reject, so a gap that closes or widens fails the check too;
  - mutations of every example (each field removed, null, of another JSON type, a
    fraction): the two verdicts must agree. These go through the discriminator's
    mapping (the type's own <Type>Command schema), as an OpenAPI tool would, since
    the full oneOf tries all 43 branches and takes about seven times as long.

Regular expressions in JSON Schema are ECMA-262, where "$" matches only at the end of
the text; Python's "$" also matches before a final newline, so `pattern` is checked
with ECMA-262's meaning here.

Usage: openapi_check.py --openapi FILE --examples FILE --verdicts PROGRAM
"""

import argparse
import copy
import json
import re
import subprocess
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit("openapi_check: Python's jsonschema is missing; run ./ops/setup "
             "(Debian package python3-jsonschema)")

BASE_URI = "https://sales-ledger.invalid/openapi.json"


def ecma_pattern(validator, pattern, instance, schema):
    """`pattern` with ECMA-262's "$": the end of the text only."""
    if not validator.is_type(instance, "string"):
        return
    python = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") \
        else pattern
    if not re.search(python, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


ValidatorClass = jsonschema.validators.extend(Draft202012Validator, {"pattern": ecma_pattern})


def schema_validator(document, component):
    """A validator of components.schemas.<component>, resolving $refs in `document`."""
    schema = {"$ref": f"{BASE_URI}#/components/schemas/{component}"}
    try:
        import referencing
        import referencing.jsonschema
    except ImportError:  # jsonschema < 4.18 (Debian 12 has 4.10)
        resolver = jsonschema.RefResolver(base_uri=BASE_URI, referrer=document)
        return ValidatorClass(schema, resolver=resolver)
    resource = referencing.Resource.from_contents(
        document, default_specification=referencing.jsonschema.DRAFT202012)
    registry = referencing.Registry().with_resource(BASE_URI, resource)
    return ValidatorClass(schema, registry=registry)


def check_document(document):
    """Every component is a valid 2020-12 schema and every pattern compiles; with
    openapi-spec-validator installed (it is not a Debian package), the whole document
    is checked as OpenAPI 3.1 too."""
    for name, schema in document["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            sys.exit(f"openapi_check: components.schemas.{name} is not a valid schema: {e}")
    for path, value in leaves(document):
        if path[-1] == "pattern" and isinstance(value, str):
            re.compile(value)
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return
    validate(document)
    print("openapi_check: a valid OpenAPI 3.1 document (openapi-spec-validator)")


def cpp_verdicts(program, commands):
    """The C++ validator's violations of each command ([] when valid)."""
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in commands)
    done = subprocess.run([program], input=lines.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"openapi_check: {program} failed ({done.returncode}): "
                 f"{done.stderr.decode(errors='replace')}")
    verdicts = [json.loads(line) for line in done.stdout.decode().splitlines()]
    if len(verdicts) != len(commands):
        sys.exit(f"openapi_check: {program} judged {len(verdicts)} of {len(commands)} commands")
    return [v.get("violations", []) for v in verdicts]


# ---------------------------------------------------------------------------------
# The cases. Each is (name, the example type it starts from, a change to a copy of
# that example's command). `data(...)` and friends build the changes.

def at(path, value):
    """Sets the member or element at `path` (a list of keys and indexes)."""
    def change(command):
        target = command
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def data(key, value):
    return at(["data", key], value)


def drop(*path):
    def change(command):
        target = command
        for key in path[:-1]:
            target = target[key]
        if isinstance(target, dict):
            target.pop(path[-1], None)
        else:
            del target[path[-1]]
    return change


def both(*changes):
    def change(command):
        for c in changes:
            c(command)
    return change


def replace_data(value):
    return at(["data"], value)


INVALID = [
    ("unknown field in data", "product.listed", data("colour", "red")),
    ("unknown envelope attribute", "product.listed", at(["priority"], 1)),
    ("unknown event type", "opportunity.opened", at(["type"], "opportunity.stolen")),
    ("missing type", "product.listed", drop("type")),
    ("missing subject", "product.listed", drop("subject")),
    ("missing data", "product.listed", drop("data")),
    ("data not an object", "product.listed", replace_data([])),
    ("subject of another kind", "product.listed", at(["subject"], "account/PRD-1")),
    ("subject without a kind", "product.listed", at(["subject"], "PRD-1")),
    ("subject id not an id", "product.listed", at(["subject"], "product/-PRD")),
    ("missing required field", "account.registered", drop("data", "name")),
    ("null for an optional field", "account.registered", data("website", None)),
    ("wrong type: quantity as a string", "contract.signed",
     at(["data", "lines", 0, "quantity"], "3")),
    ("wrong type: boolean as a string", "contract.signed", data("auto_renew", "true")),
    ("money as a float", "product.listed", at(["data", "list_price", "amount"], 4800.5)),
    ("money as a string", "product.listed", at(["data", "list_price", "amount"], "480000")),
    ("money with an extra member", "product.listed", at(["data", "list_price", "cents"], 0)),
    ("money without currency", "product.listed", drop("data", "list_price", "currency")),
    ("bad currency", "product.listed", at(["data", "list_price", "currency"], "RMB")),
    ("lower-case currency", "product.listed", at(["data", "list_price", "currency"], "cny")),
    ("currency without a minor unit", "product.listed",
     at(["data", "list_price", "currency"], "XAU")),
    ("negative money", "product.listed", at(["data", "list_price", "amount"], -1)),
    ("zero where money must be positive", "invoice.issued", at(["data", "amount", "amount"], 0)),
    ("unsafe integer", "product.listed", at(["data", "list_price", "amount"], 2 ** 53)),
    ("integer over its maximum", "opportunity.opened", data("probability", 101)),
    ("enum value unknown", "opportunity.opened", data("stage", "won")),
    ("text too long", "account.registered", data("name", "x" * 201)),
    ("text blank", "account.registered", data("name", " \t ")),
    ("text empty", "account.registered", data("name", "")),
    ("line break in single-line text", "account.registered", data("name", "Acme\nLtd")),
    ("control character in a note", "account.registered", data("description", "a\u0007b")),
    ("id with a trailing newline", "account.registered", data("owner", "u:li.wei\n")),
    ("id too long", "account.registered", data("owner", "u" * 65)),
    ("reference with its kind", "opportunity.opened", data("account", "account/ACC-1001")),
    ("date that does not exist", "contract.signed", data("start_date", "2025-02-29")),
    ("date in another format", "contract.signed", data("start_date", "2025/03/01")),
    ("date-time without offset", "activity.scheduled", data("starts_at", "2025-03-14T09:30:00")),
    ("date-time with fraction of 10 digits", "activity.scheduled",
     data("starts_at", "2025-03-14T09:30:00.0123456789Z")),
    ("occurredat with a leap second", "product.listed",
     at(["occurredat"], "2025-06-30T23:59:60Z")),
    ("occurredat not RFC 3339", "product.listed", at(["occurredat"], "yesterday")),
    ("period quarter 5", "target.set", data("period", "2025-Q5")),
    ("e-mail without a dotted domain", "contact.registered", data("emails", ["li@localhost"])),
    ("e-mail local part ending in a dot", "contact.registered", data("emails", ["li.@x.cn"])),
    ("phone with letters", "account.registered", data("phone", "+86 21 CALL NOW")),
    ("phone with two digits", "account.registered", data("phone", "12")),
    ("url not http", "account.registered", data("website", "ftp://example.com")),
    ("url without a host", "account.registered", data("website", "https://:80/")),
    ("country unknown", "account.registered", at(["data", "address", "country"], "XX")),
    ("array over its maximum", "account.registered", data("tags", [f"t{i}" for i in range(21)])),
    ("array items repeated", "account.registered", data("tags", ["a", "b", "a"])),
    ("array under its minimum", "contract.signed", data("lines", [])),
    ("object item with an unknown member", "contract.signed",
     at(["data", "lines", 0, "colour"], "red")),
    ("update without any field", "account.profile_updated", replace_data({})),
    ("stage changed to itself", "opportunity.stage_changed",
     both(data("from", "proposal"), data("to", "proposal"))),
    ("order status changed to itself", "order.status_changed",
     both(data("from", "paid"), data("to", "paid"))),
    ("order cancelled without a reason", "order.status_changed",
     both(data("from", "placed"), data("to", "cancelled"), drop("data", "reason"))),
    ("lost to a competitor not named", "opportunity.lost",
     both(data("reason", "competitor"), drop("data", "competitor"))),
    ("merged without merged_into", "account.deactivated",
     both(data("reason", "merged"), drop("data", "merged_into"))),
    ("money target counted", "target.set",
     both(data("metric", "revenue"), drop("data", "amount"), data("count", 5))),
    ("count target in money", "target.set",
     both(data("metric", "deals_won"), drop("data", "count"),
          data("amount", {"amount": 100, "currency": "CNY"}))),
    ("target revised with amount and count", "target.revised",
     both(data("amount", {"amount": 100, "currency": "CNY"}), data("count", 5))),
    ("schema version unknown", "product.listed", at(["schemaversion"], 2)),
    ("expectedversion negative", "product.listed", at(["expectedversion"], -1)),
    ("id with a space", "product.listed", at(["id"], "my id")),
    ("id empty", "product.listed", at(["id"], "")),
    ("correlationid not a string", "product.listed", at(["correlationid"], 7)),
]

CJK_NAME = "云帆智能制造有限公司" * 20  # 200 code points, 600 bytes: at both limits

EDGE = [
    ("leap day", "contract.signed", data("end_date", "2028-02-29")),
    ("leap day of a 400th year", "contract.signed", data("end_date", "2400-02-29")),
    ("leap second in a data date-time", "activity.scheduled",
     data("starts_at", "2026-12-31T23:59:60Z")),
    ("date-time with 9 fractional digits", "activity.scheduled",
     data("starts_at", "2026-03-14T09:30:00.123456789+08:00")),
    ("Chinese text at its length limit", "account.registered", data("name", CJK_NAME)),
    ("multi-line note", "account.registered", data("description", "line 1\n\tline 2\r\n")),
    ("ideographic space is not blank", "account.registered", data("name", "\u3000")),
    ("id at 64 characters", "account.registered", data("owner", "u" * 64)),
    ("internationalized e-mail domain", "contact.registered", data("emails", ["li@例子.中国"])),
    ("url with user, port, query and fragment", "account.registered",
     data("website", "https://user:pw@example.com:8443/a/b?q=1#top")),
    ("url host of two colons", "account.registered", data("website", "http://::/")),
    ("phone with punctuation", "account.registered", data("phone", "+86 (21) 6888-1234")),
    ("order cancelled with a reason", "order.status_changed",
     both(data("from", "placed"), data("to", "cancelled"), data("reason", "customer asked"))),
    ("expectedversion and schemaversion given", "product.listed",
     both(at(["expectedversion"], 0), at(["schemaversion"], 1))),
    ("empty correlationid", "product.listed", at(["correlationid"], "")),
]

EMOJI_NAME = "\U0001F600" * 151  # 151 code points, 604 bytes: over the 600-byte cap
CJK_ID = "销" * 43                # 43 code points, 129 bytes: over 128 bytes

GAPS = [
    ("an integer written as a float (JSON Schema: 1.0 is an integer)", "product.listed",
     at(["data", "list_price", "amount"], 480000.0)),
    ("text over its byte cap in 4-byte characters", "account.registered",
     data("name", EMOJI_NAME)),
    ("correlationid over 128 bytes in 43 characters", "product.listed",
     at(["correlationid"], CJK_ID)),
    ("e-mail local part over 64 bytes in 40 characters", "contact.registered",
     data("emails", ["é" * 40 + "@x.cn"])),
    ("account its own parent", "account.registered", lambda c: c["data"].update(
        parent=c["subject"].split("/", 1)[1])),
    ("account merged into itself", "account.deactivated", lambda c: c["data"].update(
        reason="merged", merged_into=c["subject"].split("/", 1)[1])),
    ("product replacing itself", "product.discontinued", lambda c: c["data"].update(
        replacement=c["subject"].split("/", 1)[1])),
    ("contract ending before it starts", "contract.signed",
     both(data("start_date", "2025-06-01"), data("end_date", "2025-05-31"))),
    ("contract lines in two currencies", "contract.signed", lambda c: c["data"].update(
        lines=[c["data"]["lines"][0],
               dict(c["data"]["lines"][0], unit_price={"amount": 1, "currency": "USD"})])),
    ("invoice due before issue", "invoice.issued",
     both(data("issue_date", "2025-06-01"), data("due_date", "2025-05-31"))),
    ("invoice tax in another currency", "invoice.issued",
     at(["data", "tax", "currency"], "USD")),
    ("forecast best case under commit", "forecast.submitted",
     both(data("commit", {"amount": 200, "currency": "CNY"}),
          data("best_case", {"amount": 100, "currency": "CNY"}), drop("data", "pipeline"))),
    ("forecast in two currencies", "forecast.submitted",
     both(data("commit", {"amount": 100, "currency": "CNY"}),
          data("best_case", {"amount": 200, "currency": "USD"}), drop("data", "pipeline"))),
]


def other_types(value):
    """Values of every other JSON type than `value`'s."""
    samples = {str: "text", int: 7, bool: True, dict: {}, list: [], type(None): None}
    return [v for k, v in samples.items() if k is not type(value)]


def leaves(value, path=()):
    """(path, value) of every member and element below `value`."""
    if isinstance(value, dict):
        for key, member in value.items():
            yield path + (key,), member
            yield from leaves(member, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield path + (index,), item
            yield from leaves(item, path + (index,))


def mutations(command):
    """Commands that differ from `command` in one place each."""
    for path, value in leaves(command):
        parent = command
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict):
            removed = copy.deepcopy(command)
            drop(*path)(removed)
            yield f"{'/'.join(map(str, path))} removed", removed
        for other in other_types(value):
            changed = copy.deepcopy(command)
            at(list(path), other)(changed)
            yield f"{'/'.join(map(str, path))} = {json.dumps(other)}", changed
        if isinstance(value, int) and not isinstance(value, bool):
            changed = copy.deepcopy(command)
            at(list(path), value + 0.5)(changed)
            yield f"{'/'.join(map(str, path))} = {value + 0.5}", changed


def build(examples, table):
    by_type = {}
    for command in examples:
        by_type.setdefault(command["type"], command)
    cases = []
    for name, base, change in table:
        if base not in by_type:
            sys.exit(f"openapi_check: no example of {base} for case '{name}'")
        command = copy.deepcopy(by_type[base])
        change(command)
        cases.append((name, command))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--openapi", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--verdicts", required=True, help="the openapi_verdicts program")
    args = parser.parse_args()

    with open(args.openapi, encoding="utf-8") as f:
        document = json.load(f)
    with open(args.examples, encoding="utf-8") as f:
        examples = [json.loads(line) for line in f if line.strip()]
    check_document(document)
    command_schema = schema_validator(document, "Command")
    by_type = {t: schema_validator(document, ref.rsplit("/", 1)[1]) for t, ref in
               document["components"]["schemas"]["Command"]["discriminator"]["mapping"].items()}

    groups = [("example", "valid", [(f"line {i + 1}", c) for i, c in enumerate(examples)]),
              ("invalid", "invalid", build(examples, INVALID)),
              ("edge", "valid", build(examples, EDGE)),
              ("gap", "gap", build(examples, GAPS))]
    mutated = [(f"line {i + 1}: {name}", m) for i, c in enumerate(examples)
               for name, m in mutations(c)]
    groups.append(("mutation", "agree", mutated))

    failures = []
    counts = {}
    for group, expect, cases in groups:
        cpp = cpp_verdicts(args.verdicts, [c for _, c in cases])
        for (name, command), violations in zip(cases, cpp):
            # Every group but the mutations goes through Command's oneOf; mutations
            # through the discriminator's mapping when `type` names a known type.
            validator = command_schema
            if group == "mutation" and isinstance(command.get("type"), str):
                validator = by_type.get(command["type"], command_schema)
            errors = list(validator.iter_errors(command))
            schema_ok, cpp_ok = not errors, not violations
            ok = {"valid": schema_ok and cpp_ok,
                  "invalid": not schema_ok and not cpp_ok,
                  "gap": schema_ok and not cpp_ok,
                  "agree": schema_ok == cpp_ok}[expect]
            counts[group] = counts.get(group, 0) + 1
            if not ok:
                failures.append((group, expect, name, command, errors, violations))

    for group, expect, name, command, errors, violations in failures[:20]:
        print(f"FAIL {group} '{name}': expected {expect}; "
              f"schema {'rejects' if errors else 'accepts'}, "
              f"C++ {'rejects' if violations else 'accepts'}")
        print(f"  command: {json.dumps(command, ensure_ascii=False)[:400]}")
        if errors and isinstance(command.get("type"), str) and command["type"] in by_type:
            errors = list(by_type[command["type"]].iter_errors(command)) or errors
        for e in errors[:3]:
            print(f"  schema: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        for v in violations[:3]:
            print(f"  C++: {v['pointer']}: {v['reason']}")
    summary = ", ".join(f"{n} {g}" for g, n in counts.items())
    if failures:
        print(f"openapi_check: {len(failures)} failures of {sum(counts.values())} "
              f"commands ({summary})")
        return 1
    print(f"openapi_check: the schema and the C++ validator agree on "
          f"{sum(counts.values())} commands ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
