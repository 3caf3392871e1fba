#!/usr/bin/env python3
"""Offline checks of the operators' kit that need more than a linter (run by deploy/validate.sh):

  python3 deploy/tools/check_observability.py compose RENDERED_COMPOSE_YAML
      every published port is bound to 127.0.0.1; PostgreSQL has a healthcheck and every service that uses the database
      waits for it to be healthy; Prometheus and Grafana mount folders that exist.
  python3 deploy/tools/check_observability.py dashboards OUT_RULES_FILE
      every dashboard in deploy/grafana/dashboards parses, has panels each with a query, and names the Prometheus data
      source the provisioning defines; writes one recording rule per query (Grafana's $__rate_interval as 5m) so that
      `promtool check rules OUT_RULES_FILE` parses every query.
  python3 deploy/tools/check_observability.py runbooks
      every alert in deploy/prometheus/alerts.yml has a runbook_url naming a heading of docs/operations.md, and a unit
      test in alerts.test.yml in which it fires.
  kubectl kustomize deploy/k8s | python3 deploy/tools/check_observability.py k8s
      silos wait for the schema (an init container runs `migrate`), every workload has resource requests and limits,
      the HPA scales on a metric besides CPU, a CronJob runs `audit`, and the silos and the API are scraped.
  python3 deploy/tools/check_observability.py metrics DASHBOARDS_AND_RULES... < METRICS_TEXT
      prints every metric name a query names that the Prometheus text on stdin lacks (used by the cluster test).
Exits non-zero with a line per problem.
"""
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARDS = os.path.join(ROOT, "deploy", "grafana", "dashboards")
# Grafana's interval variables, as a concrete duration for parsing and for running a query by hand.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan",
}


def queries():
    """(dashboard file, panel title, expr) for every query of every dashboard."""
    for name in sorted(os.listdir(DASHBOARDS)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(DASHBOARDS, name), encoding="utf-8") as f:
            dashboard = json.load(f)
        for panel in dashboard.get("panels", []):
            for target in panel.get("targets", []):
                yield name, panel.get("title", "?"), target.get("expr", "")


def concrete(expr):
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def metric_names(expr):
    """The metric names a PromQL expression selects: identifiers that are not functions, keywords, label names or
    parts of label matchers, durations or strings."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', concrete(expr))           # strings (label values, templates)
    text = re.sub(r"\{[^}]*\}", " ", text)                               # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)                              # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)  # label lists
    names = set()
    # (not inside a number or a duration such as 25h or 1e3)
    for match in re.finditer(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end():].lstrip()
        if word.lower() in PROMQL_WORDS or following.startswith("("):
            continue
        names.add(word)
    return names


def check_compose(path):
    with open(path, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    problems = []
    for name, service in services.items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            if host_ip != "127.0.0.1":
                problems.append(f"{name}: port {port} is not bound to 127.0.0.1")
    postgres = services.get("postgres", {})
    if "healthcheck" not in postgres:
        problems.append("postgres has no healthcheck")
    for name, service in services.items():
        environment = service.get("environment", {}) or {}
        uses_database = any("ConnectionString" in key for key in environment)
        if not uses_database or name == "postgres":
            continue
        depends = service.get("depends_on", {})
        condition = depends.get("postgres", {}).get("condition") if isinstance(depends, dict) else None
        if condition != "service_healthy" and name not in ("api",):
            problems.append(f"{name} uses the database but does not wait for postgres to be healthy")
    needed = {
        "api": ["8080"], "silo1": ["8080"], "silo2": ["8080"], "silo3": ["8080"], "prometheus": ["9090"], "grafana": ["3000"],
    }
    for name, targets in needed.items():
        published = [str(p.get("target")) if isinstance(p, dict) else str(p).split(":")[-1].split("/")[0]
                     for p in services.get(name, {}).get("ports", [])]
        for target in targets:
            if target not in published:
                problems.append(f"{name} does not publish container port {target}")
    for name in ("prometheus", "grafana"):
        for volume in services.get(name, {}).get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            kind = volume.get("type") if isinstance(volume, dict) else ("bind" if source.startswith(("/", ".")) else "volume")
            if kind == "bind" and not os.path.exists(source):
                problems.append(f"{name} mounts {source}, which does not exist")
    if "audit" not in services or services["audit"].get("command") != ["audit"]:
        problems.append("no audit service running the silo's audit command")
    return problems


def check_dashboards(out):
    problems, rules = [], []
    with open(os.path.join(ROOT, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml"), encoding="utf-8") as f:
        uids = {d["uid"] for d in yaml.safe_load(f)["datasources"]}
    names = [n for n in sorted(os.listdir(DASHBOARDS)) if n.endswith(".json")]
    if not names:
        problems.append("no dashboards")
    for name in names:
        with open(os.path.join(DASHBOARDS, name), encoding="utf-8") as f:
            dashboard = json.load(f)
        if not dashboard.get("uid") or not dashboard.get("title"):
            problems.append(f"{name}: no uid or title")
        panels = dashboard.get("panels", [])
        if not panels:
            problems.append(f"{name}: no panels")
        for panel in panels:
            targets = panel.get("targets", [])
            if not targets:
                problems.append(f"{name}: panel '{panel.get('title')}' has no query")
            for target in targets:
                source = target.get("datasource") or panel.get("datasource") or {}
                if source.get("uid") not in uids:
                    problems.append(f"{name}: panel '{panel.get('title')}' uses data source {source.get('uid')}, not one provisioned ({uids})")
                if not target.get("expr", "").strip():
                    problems.append(f"{name}: panel '{panel.get('title')}' has an empty query")
                rules.append({"record": f"dashboard:query_{len(rules) + 1}", "expr": concrete(target.get("expr", "")),
                              "labels": {"dashboard": name, "panel": panel.get("title", "?")}})
    with open(out, "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, f, sort_keys=False)
    return problems


def check_runbooks():
    problems = []
    with open(os.path.join(ROOT, "deploy", "prometheus", "alerts.yml"), encoding="utf-8") as f:
        alerts = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
    with open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8") as f:
        anchors = {re.sub(r"[^a-z0-9 _-]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                   for line in f if line.startswith("#")}
    with open(os.path.join(ROOT, "deploy", "prometheus", "alerts.test.yml"), encoding="utf-8") as f:
        tests = yaml.safe_load(f)["tests"]
    firing = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    quiet = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if not case.get("exp_alerts")}
    if not alerts:
        problems.append("no alerts")
    for alert in alerts:
        url = alert.get("annotations", {}).get("runbook_url", "")
        if not url.startswith("docs/operations.md#") or url.split("#", 1)[1] not in anchors:
            problems.append(f"{alert['alert']}: runbook_url '{url}' is not a heading of docs/operations.md")
        if alert["alert"] not in firing:
            problems.append(f"{alert['alert']}: no unit test in alerts.test.yml where it fires")
        if alert["alert"] not in quiet:
            problems.append(f"{alert['alert']}: no unit test in alerts.test.yml where it stays quiet")
    return problems


def check_k8s(text):
    objects = [o for o in yaml.safe_load_all(text) if o]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    problems = []
    silo = by_kind.get("Deployment", {}).get("connects-silo")
    if silo is None:
        return ["no Deployment connects-silo"]
    init = silo["spec"]["template"]["spec"].get("initContainers", [])
    if not any(c.get("args") == ["migrate"] and c.get("image", "").startswith("connects-silo") for c in init):
        problems.append("connects-silo has no init container running `migrate`: silos would not wait for the schema")
    if "Job" in by_kind and any("migrate" in (c.get("args") or []) for j in by_kind["Job"].values()
                                for c in j["spec"]["template"]["spec"]["containers"]):
        problems.append("a migration Job is left beside the init container")
    workloads = list(by_kind.get("Deployment", {}).values()) + [c["spec"]["jobTemplate"] for c in by_kind.get("CronJob", {}).values()]
    for w in workloads:
        spec = w["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            resources = c.get("resources", {})
            for part in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources.get(part, {})):
                    problems.append(f"container {c['name']} has no cpu and memory {part}")
    hpa = by_kind.get("HorizontalPodAutoscaler", {}).get("connects-silo")
    if hpa is None or not any(m["type"] != "Resource" for m in hpa["spec"]["metrics"]):
        problems.append("the silo HPA scales on CPU (or memory) only, not on a metric that tracks a spike")
    if not any(c["args"] == ["audit"] for j in by_kind.get("CronJob", {}).values()
               for c in j["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]):
        problems.append("no CronJob runs `audit`")
    for name in ("connects-silo", "connects-api"):
        annotations = by_kind.get("Deployment", {}).get(name, {}).get("spec", {}).get("template", {}).get("metadata", {}).get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/path") != "/metrics":
            problems.append(f"{name} pods are not annotated for Prometheus to scrape /metrics")
    return problems


def missing_metrics(files, text):
    exposed = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    missing = []
    for path in files:
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                exprs = [(p.get("title", "?"), t.get("expr", "")) for p in json.load(f).get("panels", []) for t in p.get("targets", [])]
        else:
            with open(path, encoding="utf-8") as f:
                exprs = [(r.get("alert") or r.get("record"), r["expr"]) for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
        for title, expr in exprs:
            for name in sorted(metric_names(expr)):
                if name not in exposed:
                    missing.append(f"{os.path.basename(path)}: '{title}' names {name}, which no /metrics serves")
    return missing


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "compose":
        problems = check_compose(sys.argv[2])
    elif command == "dashboards":
        problems = check_dashboards(sys.argv[2])
    elif command == "runbooks":
        problems = check_runbooks()
    elif command == "k8s":
        problems = check_k8s(sys.stdin.read())
    elif command == "metrics":
        problems = missing_metrics(sys.argv[2:], sys.stdin.read())
    else:
        print(__doc__)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
