#!/usr/bin/env python3
"""Checks tests/hpa-cases/*.json: well-formed, unique ids, required fields per kind,
and (as a transcription cross-check only) re-evaluates every case with a small Python
model of the controller written from /work/shared/reference/hpa-spec.md.

A disagreement means either the transcription or this model is wrong: it is a prompt to
re-read the Go test, never a reason to change an `expected` value by itself.

Run:  python3 tests/hpa-cases/tools/check_cases.py [files...]
"""

import glob
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASE_DIR = os.path.dirname(HERE)
INF = 1000000000
MAXINT32 = 2147483647
MAXINT64 = 9223372036854775807

DEFAULT_CONFIG = {"tolerance": 0.1, "cpu_initialization_period_s": 300, "initial_readiness_delay_s": 30,
                  "downscale_stabilization_window_s": 300, "legacy_scale_up_limit_factor": 2,
                  "legacy_scale_up_limit_minimum": 4, "sync_period_s": 15}

REQUIRED = {
    "replica_calc": ({"current_replicas", "metric", "tolerance", "pods"}, {"status_replicas"},
                     {"desired_replicas"}, {"utilization_percent", "usage_milli"}),
    "rate_limit": ({"current_replicas", "stabilized_desired_replicas", "min_replicas", "max_replicas", "behavior",
                    "scale_up_events", "scale_down_events"}, set(), {"desired_replicas"}, {"scaling_limited_reason"}),
    "scale_limit": ({"direction", "current_replicas", "rules", "scale_up_events", "scale_down_events"}, set(),
                    set(), {"scale_up_limit", "scale_down_limit"}),
    "stabilize": ({"current_replicas", "desired_replicas", "scale_up_window_s", "scale_down_window_s",
                   "recommendations"}, set(), {"stabilized_replicas"}, set()),
    "legacy_stabilize": ({"desired_replicas", "recommendations"}, set(), {"stabilized_replicas"}, set()),
    "legacy_rules": ({"current_replicas", "desired_replicas", "min_replicas", "max_replicas"}, set(),
                     {"desired_replicas"}, {"scaling_limited_reason"}),
    "reconcile": ({"min_replicas", "max_replicas", "spec_replicas", "status_replicas", "metrics", "pods",
                   "recommendations", "behavior", "scale_up_events", "scale_down_events"},
                  {"conditions", "feature_gates"}, {"desired_replicas"}, set()),
}
POD_FIELDS = {"name", "phase", "deleting", "ready", "start_age_s", "ready_transition_age_s", "metric_age_s",
              "metric_window_s", "requests_milli", "usage_milli"}
METRIC_FIELDS = {"type", "name", "target", "current_value_milli", "current_values_milli", "described_object",
                 "fetch_error"}
TARGET_FIELDS = {"type", "average_utilization", "average_value_milli", "value_milli"}
RULE_FIELDS = {"stabilization_window_s", "select_policy", "policies", "tolerance"}
CONFIG_FIELDS = set(DEFAULT_CONFIG)


class CalcError(Exception):
    pass


# ------------------------------------------------------------------ structure checks
def check_structure(case, errs):
    cid = case.get("id", "?")
    for k in ("id", "kind", "source", "config", "inputs", "expected"):
        if k not in case:
            errs.append(f"{cid}: missing {k}")
    extra = set(case) - {"id", "kind", "source", "config", "inputs", "expected"}
    if extra:
        errs.append(f"{cid}: unknown fields {extra}")
    kind = case.get("kind")
    if kind not in REQUIRED:
        errs.append(f"{cid}: unknown kind {kind}")
        return
    req_in, opt_in, req_out, opt_out = REQUIRED[kind]
    inp, exp = case["inputs"], case["expected"]
    if req_in - set(inp):
        errs.append(f"{cid}: inputs missing {req_in - set(inp)}")
    if set(inp) - req_in - opt_in:
        errs.append(f"{cid}: inputs unknown {set(inp) - req_in - opt_in}")
    if req_out - set(exp):
        errs.append(f"{cid}: expected missing {req_out - set(exp)}")
    if set(exp) - req_out - opt_out:
        errs.append(f"{cid}: expected unknown {set(exp) - req_out - opt_out}")
    if not exp:
        errs.append(f"{cid}: empty expected")
    if set(case["config"]) - CONFIG_FIELDS:
        errs.append(f"{cid}: config unknown {set(case['config']) - CONFIG_FIELDS}")
    src = case["source"]
    for k in ("repo", "file", "test", "commit"):
        if not src.get(k):
            errs.append(f"{cid}: source.{k} missing")
    for p in inp.get("pods", []):
        if set(p) != POD_FIELDS:
            errs.append(f"{cid}: pod {p.get('name')} fields {set(p) ^ POD_FIELDS}")
    metrics = inp.get("metrics", []) + ([inp["metric"]] if "metric" in inp else [])
    for m in metrics:
        if set(m) - METRIC_FIELDS:
            errs.append(f"{cid}: metric fields {set(m) - METRIC_FIELDS}")
        if set(m["target"]) - TARGET_FIELDS:
            errs.append(f"{cid}: target fields {set(m['target']) - TARGET_FIELDS}")
    beh = inp.get("behavior")
    rules = [inp["rules"]] if kind == "scale_limit" else ([beh.get("scale_up"), beh.get("scale_down")] if beh else [])
    for r in rules:
        if r is not None and set(r) != RULE_FIELDS:
            errs.append(f"{cid}: rule fields {set(r) ^ RULE_FIELDS}")


# ------------------------------------------------------------------ reference model
class Tol:
    def __init__(self, up, down):
        self.up, self.down = up, down

    def within(self, r):
        return (1 - self.down) <= r <= (1 + self.up)


def group_pods(pods, key, is_cpu, cfg):
    ready, unready, missing, ignored = 0, set(), set(), set()
    for p in pods:
        if p["deleting"] or p["phase"] in ("Failed", "Succeeded"):
            ignored.add(p["name"])
            continue
        if p["phase"] == "Pending":
            unready.add(p["name"])
            continue
        if key not in p["usage_milli"]:
            missing.add(p["name"])
            continue
        if is_cpu:
            start, ltt, mts = -p["start_age_s"], -p["ready_transition_age_s"], -p["metric_age_s"]
            if start + cfg["cpu_initialization_period_s"] > 0:
                un = (not p["ready"]) or mts < ltt + p["metric_window_s"]
            else:
                un = (not p["ready"]) and start + cfg["initial_readiness_delay_s"] > ltt
            if un:
                unready.add(p["name"])
                continue
        ready += 1
    return ready, unready, missing, ignored


def ceil32(x):
    if x != x:  # NaN
        return 0
    if x > MAXINT32:
        return MAXINT32
    return int(math.ceil(x))


def two_pass(current, metrics, ready, unready, missing, ratio, fill_below, tol):
    """The two-pass logic shared by resource and plain metrics. `ratio(metrics)` gives (usage
    ratio, reported value); `fill_below(pod)` is what a missing pod counts as when the first
    ratio is below 1. Returns (replicas, the first pass's reported value)."""
    r, value = ratio(metrics)
    up_unready = bool(unready) and r > 1.0
    if not up_unready and not missing:
        if tol.within(r):
            return current, value
        return ceil32(r * ready), value
    if missing:
        if r < 1.0:
            for n in missing:
                metrics[n] = fill_below(n)
        elif r > 1.0:
            for n in missing:
                metrics[n] = 0
    if up_unready:
        for n in unready:
            metrics[n] = 0
    nr, _ = ratio(metrics)
    # Keep current within tolerance, on a direction flip, or when the recomputed count moves
    # against the ratio.
    if tol.within(nr) or (r < 1.0 and nr > 1.0) or (r > 1.0 and nr < 1.0):
        return current, value
    new = ceil32(nr * len(metrics))
    if (nr < 1.0 and new > current) or (nr > 1.0 and new < current):
        return current, value
    return new, value


def resource_replicas(current, target, pods, key, tol, cfg):
    metrics = {p["name"]: p["usage_milli"][key] for p in pods if key in p["usage_milli"]}
    if not pods:
        raise CalcError("no pods")
    if not metrics:
        raise CalcError("no metrics returned from resource metrics API")
    ready, unready, missing, ignored = group_pods(pods, key, key == "cpu", cfg)
    for n in ignored | unready:
        metrics.pop(n, None)
    if not metrics:
        raise CalcError("did not receive metrics for targeted pods")
    requests = {}
    for p in pods:
        if key not in p["requests_milli"]:
            raise CalcError("missing request")
        requests[p["name"]] = p["requests_milli"][key]

    def ratio(ms):
        tot = req = 0
        for n, v in ms.items():
            if n in requests:
                tot += v
                req += requests[n]
        if req == 0:
            raise CalcError("no metrics returned matched known pods")
        util = (tot * 100) // req
        return util / target, util

    return two_pass(current, metrics, ready, unready, missing, ratio,
                    lambda n: requests[n] * max(100, target) // 100, tol)


def plain_replicas(current, target, pods, key, tol, cfg):
    metrics = {p["name"]: p["usage_milli"][key] for p in pods if key in p["usage_milli"]}
    if not pods:
        raise CalcError("no pods")
    ready, unready, missing, ignored = group_pods(pods, key, False, cfg)
    for n in ignored | unready:
        metrics.pop(n, None)
    if not metrics:
        raise CalcError("no metrics")

    def ratio(ms):
        avg = sum(ms.values()) // len(ms)
        return avg / target, avg

    return two_pass(current, metrics, ready, unready, missing, ratio, lambda n: target, tol)


def usage_ratio_count(current, r, pods, tol):
    if current != 0:
        if tol.within(r):
            return current
        ready = sum(1 for p in pods if p["phase"] == "Running" and p["ready"])
        if not pods:
            raise CalcError("no pods")
        return ceil32(r * ready)
    return ceil32(r)


def per_pod(status, usage, target, tol):
    reps = status
    r = usage / (target * status) if status else (math.inf if usage else math.nan)
    if not tol.within(r):
        reps = ceil32(usage / target)
    pp = 0 if status == 0 else -(-usage // status)  # integer ceil (Go: getPerPodUsage)
    return reps, pp


def metric_replicas(m, spec, status, pods, tol, cfg):
    if m.get("fetch_error"):
        raise CalcError("fetch error")
    t = m["target"]
    if m["type"] == "Resource":
        if t["type"] == "Utilization":
            return resource_replicas(spec, t["average_utilization"], pods, m["name"], tol, cfg)
        return plain_replicas(spec, t["average_value_milli"], pods, m["name"], tol, cfg)
    if m["type"] == "Pods":
        return plain_replicas(spec, t["average_value_milli"], pods, m["name"], tol, cfg)
    if m["type"] in ("Object", "External"):
        usage = m["current_value_milli"] if m["type"] == "Object" else min(sum(m["current_values_milli"]), MAXINT64)
        if m["type"] == "External" and not m["current_values_milli"]:
            raise CalcError("no external metric")
        if t["type"] == "Value":
            return usage_ratio_count(spec, usage / t["value_milli"], pods, tol), usage
        return per_pod(status, usage, t["average_value_milli"], tol)
    raise CalcError("unknown type")


def changes(events, period):
    return sum(e["replicas"] for e in events if e["age_s"] < period)


def fill_rule(rule, up, cfg):
    rule = rule or {}
    out = dict(rule)
    if out.get("select_policy") is None:
        out["select_policy"] = "Max"
    if out.get("policies") is None:
        out["policies"] = ([{"type": "Pods", "value": 4, "period_s": 15}, {"type": "Percent", "value": 100, "period_s": 15}]
                           if up else [{"type": "Percent", "value": 100, "period_s": 15}])
    if out.get("stabilization_window_s") is None:
        out["stabilization_window_s"] = 0 if up else cfg["downscale_stabilization_window_s"]
    return out


def up_limit(cur, ue, de, rule):
    if rule["select_policy"] == "Disabled":
        return cur
    res = None
    for p in rule["policies"]:
        start = cur - changes(ue, p["period_s"]) + changes(de, p["period_s"])
        prop = start + p["value"] if p["type"] == "Pods" else int(math.ceil(start * (1 + p["value"] / 100)))
        res = prop if res is None else (min(res, prop) if rule["select_policy"] == "Min" else max(res, prop))
    return res


def down_limit(cur, ue, de, rule):
    if rule["select_policy"] == "Disabled":
        return cur
    res = None
    for p in rule["policies"]:
        start = cur - changes(ue, p["period_s"]) + changes(de, p["period_s"])
        prop = start - p["value"] if p["type"] == "Pods" else int(start * (1 - p["value"] / 100))
        res = prop if res is None else (max(res, prop) if rule["select_policy"] == "Min" else min(res, prop))
    return res


def rate(cur, des, mn, mx, upr, downr, ue, de):
    if des > cur:
        lim = max(up_limit(cur, ue, de, upr), cur)
        if mx > lim:
            allowed, reason = lim, "ScaleUpLimit"
        else:
            allowed, reason = mx, "TooManyReplicas"
        if des > allowed:
            return allowed, reason
    elif des < cur:
        lim = min(down_limit(cur, ue, de, downr), cur)
        if mn < lim:
            allowed, reason = lim, "ScaleDownLimit"
        else:
            allowed, reason = mn, "TooFewReplicas"
        if des < allowed:
            return allowed, reason
    return des, None


def stabilize(cur, des, upw, downw, recs):
    uprec = downrec = des
    for r in recs:
        if r["age_s"] < upw:
            uprec = min(uprec, r["replicas"])
        if r["age_s"] < downw:
            downrec = max(downrec, r["replicas"])
    rec = cur
    rec = max(rec, uprec)
    rec = min(rec, downrec)
    return rec


def legacy_stabilize(des, recs, window):
    return max([des] + [r["replicas"] for r in recs if r["age_s"] <= window])


def legacy_rules(cur, des, mn, mx, cfg):
    limit = int(max(cfg["legacy_scale_up_limit_factor"] * cur, cfg["legacy_scale_up_limit_minimum"]))
    if mx > limit:
        allowed, reason = limit, "ScaleUpLimit"
    else:
        allowed, reason = mx, "TooManyReplicas"
    if des < mn:
        return mn, "TooFewReplicas"
    if des > allowed:
        return allowed, reason
    return des, None


def reconcile(inp, cfg):
    gates = {"HPAConfigurableTolerance": True, "HPAScaleToZero": False}
    gates.update(inp.get("feature_gates") or {})
    conds = inp.get("conditions") or {}
    cur, mn, mx = inp["spec_replicas"], inp["min_replicas"], inp["max_replicas"]
    beh = inp["behavior"]
    recs = inp["recommendations"]
    if recs is None:
        recs = [{"replicas": cur, "age_s": 0}]
    scaled = gates["HPAScaleToZero"] and conds.get("scaled_to_zero", False)
    has_oe = any(m["type"] in ("Object", "External") for m in inp["metrics"])
    if cur == 0 and not (scaled and (has_oe or mn != 0)):
        return 0
    if cur != 0 and cur > mx:
        return mx
    if cur != 0 and cur < mn:
        return mn
    up_t = down_t = cfg["tolerance"]
    if beh and gates["HPAConfigurableTolerance"]:
        if beh.get("scale_up") and beh["scale_up"].get("tolerance") is not None:
            up_t = beh["scale_up"]["tolerance"]
        if beh.get("scale_down") and beh["scale_down"].get("tolerance") is not None:
            down_t = beh["scale_down"]["tolerance"]
    tol = Tol(up_t, down_t)
    replicas, failed = 0, 0
    for m in inp["metrics"]:
        try:
            p, _ = metric_replicas(m, cur, inp["status_replicas"], inp["pods"], tol, cfg)
            if replicas == 0 or p > replicas:
                replicas = p
        except CalcError:
            failed += 1
    if failed == len(inp["metrics"]) or (failed and replicas < cur):
        return cur
    if beh is None:
        stab = legacy_stabilize(replicas, recs, cfg["downscale_stabilization_window_s"])
        des, _ = legacy_rules(cur, stab, mn, mx, cfg)
    else:
        upr, downr = fill_rule(beh.get("scale_up"), True, cfg), fill_rule(beh.get("scale_down"), False, cfg)
        stab = stabilize(cur, replicas, upr["stabilization_window_s"], downr["stabilization_window_s"], recs)
        des, _ = rate(cur, stab, mn, mx, upr, downr, inp["scale_up_events"], inp["scale_down_events"])
    if cur == 0 and mn != 0 and scaled and des < mn:
        des = mn
    return des


def evaluate(case):
    cfg = dict(DEFAULT_CONFIG)
    cfg.update(case["config"])
    inp, kind = case["inputs"], case["kind"]
    if kind == "replica_calc":
        tol = Tol(inp["tolerance"]["scale_up"], inp["tolerance"]["scale_down"])
        cur = inp["current_replicas"]
        status = inp.get("status_replicas", cur)
        reps, val = metric_replicas(inp["metric"], cur, status, inp["pods"], tol, cfg)
        out = {"desired_replicas": reps}
        m = inp["metric"]
        if m["type"] == "Resource" and m["target"]["type"] == "Utilization":
            out["utilization_percent"] = val
        else:
            out["usage_milli"] = val
        return out
    if kind == "rate_limit":
        b = inp["behavior"] or {}
        d, r = rate(inp["current_replicas"], inp["stabilized_desired_replicas"], inp["min_replicas"],
                    inp["max_replicas"], fill_rule(b.get("scale_up"), True, cfg), fill_rule(b.get("scale_down"), False, cfg),
                    inp["scale_up_events"], inp["scale_down_events"])
        return {"desired_replicas": d, "scaling_limited_reason": r}
    if kind == "scale_limit":
        up = inp["direction"] == "up"
        rule = fill_rule(inp["rules"], up, cfg)
        f = up_limit if up else down_limit
        v = f(inp["current_replicas"], inp["scale_up_events"], inp["scale_down_events"], rule)
        return {"scale_up_limit" if up else "scale_down_limit": v}
    if kind == "stabilize":
        return {"stabilized_replicas": stabilize(inp["current_replicas"], inp["desired_replicas"],
                                                 inp["scale_up_window_s"], inp["scale_down_window_s"],
                                                 inp["recommendations"])}
    if kind == "legacy_stabilize":
        return {"stabilized_replicas": legacy_stabilize(inp["desired_replicas"], inp["recommendations"],
                                                        cfg["downscale_stabilization_window_s"])}
    if kind == "legacy_rules":
        d, r = legacy_rules(inp["current_replicas"], inp["desired_replicas"], inp["min_replicas"],
                            inp["max_replicas"], cfg)
        return {"desired_replicas": d, "scaling_limited_reason": r}
    if kind == "reconcile":
        return {"desired_replicas": reconcile(inp, cfg)}
    raise ValueError(kind)


def main(argv):
    files = argv[1:] or sorted(glob.glob(os.path.join(CASE_DIR, "*.json")))
    errs, ids, counts, disagree, total = [], {}, {}, [], 0
    for f in files:
        with open(f) as fh:
            doc = json.load(fh)
        if doc.get("schema_version") != 1 or set(doc) != {"schema_version", "cases"}:
            errs.append(f"{f}: bad top level")
        for c in doc["cases"]:
            total += 1
            if c.get("id") in ids:
                errs.append(f"duplicate id {c['id']} ({ids[c['id']]} and {f})")
            ids[c.get("id")] = os.path.basename(f)
            key = (os.path.basename(f), c.get("kind"))
            counts[key] = counts.get(key, 0) + 1
            check_structure(c, errs)
            try:
                got = evaluate(c)
            except CalcError as e:
                got = {"error": str(e)}
            for k, v in c["expected"].items():
                if got.get(k, "<absent>") != v:
                    disagree.append(f"{c['id']}: expected {k}={v}, model gives {got.get(k, got)}")
    for (f, k), n in sorted(counts.items()):
        print(f"{f:32s} {k:18s} {n}")
    print(f"{total} cases, {len(ids)} unique ids")
    for e in errs:
        print("ERROR", e)
    for d in disagree:
        print("MODEL DISAGREES", d)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
