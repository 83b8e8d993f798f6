//! Issue 11's bad-input campaign, one test per class: each input that once panicked, ran away or
//! was accepted as nonsense now exits 2 naming the file, the field, the line and the fix (or
//! runs correctly), before any simulation starts.

use crate::common::*;

const PLATFORM: &str = "tests/fixtures/platform.yaml";

fn platform_variant(from: &str, to: &str) -> String {
    let base = std::fs::read_to_string(repo(PLATFORM)).unwrap();
    assert_eq!(
        base.matches(from).count(),
        1,
        "{from:?} once in the fixture"
    );
    base.replacen(from, to, 1)
}

#[test]
fn money_overflow_inputs_are_out_of_range() {
    for (from, to, field) in [
        (
            "pageViewsPerDauPerDay: 50",
            "pageViewsPerDauPerDay: 1e308",
            "spec.traffic.pageViewsPerDauPerDay: 1e308 is out of range",
        ),
        (
            "requestsPerPageView: 1.0",
            "requestsPerPageView: 1e15",
            "spec.services.web.requestsPerPageView",
        ),
        (
            "dau: 40000 }",
            "dau: 1e300 }",
            "spec.traffic.dau.milestones[0].dau",
        ),
        (
            "[0.90, 0.55,",
            "[1e308, 0.55,",
            "spec.traffic.dailyProfile[0]",
        ),
        (
            "  events:",
            "  cost:\n    pageWeight: 2T\n  events:",
            "spec.cost.pageWeight",
        ),
    ] {
        rejected(&platform_variant(from, to), &[field, "out of range"]);
    }
}

/// In range one by one, out of range together: the cost is an exit-2 problem naming the
/// scenario, not a panic and not a wrong number.
#[test]
fn a_cost_too_large_to_price_is_a_problem() {
    let text = variant("dau: 30000 }", "dau: 1e10 }")
        .replace("pageViewsPerDauPerDay: 50", "pageViewsPerDauPerDay: 1e5")
        .replace("requestsPerPageView: 1.0", "requestsPerPageView: 1e5");
    let (dir, path) = write_temp("big.yaml", &text);
    let out = dir.path().join("out");
    let o = capsim(&["run", path_str(&path), "--out", path_str(&out), "-q"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("big.yaml") && err.contains("too large to price"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn environment_counts_are_bounded() {
    for count in ["1e20", "1e12", "1e8"] {
        let env = format!(
            "  cost:\n    environments:\n      dev:\n        cloud: aws\n        items:\n          \
             - {{ sku: m6i.xlarge, count: {count} }}\n  events:"
        );
        rejected(
            &platform_variant("  events:", &env),
            &["spec.cost.environments.dev.items[0].count", "out of range"],
        );
    }
}

#[test]
fn node_pools_that_cluster_autoscaler_cannot_run() {
    rejected(
        &platform_variant(
            "maxNodes: 20 }\n      gcp",
            "maxNodes: 20, provisioningDelay: 20m }\n      gcp",
        ),
        &[
            "spec.cluster.nodePools.aws-general.provisioningDelay",
            "max-node-provision-time",
        ],
    );
    rejected(
        &platform_variant(
            "instanceType: m6i.xlarge,",
            "instanceType: t3.medium, maxPods: 1000,",
        ),
        &["spec.cluster.nodePools.aws-general.maxPods", "t3.medium"],
    );
}

/// Every pool `validate` accepts is one `model::nodes` can build: positive allocatable for each
/// catalogue instance at the largest maxPods the scenario check lets through.
#[test]
fn accepted_max_pods_always_leave_allocatable_memory() {
    let cat = capsim::catalogue::Catalogue::builtin();
    let (mut accepted, mut refused) = (0, 0);
    for (provider, service) in [("aws", "ec2"), ("gcp", "gce")] {
        for name in cat.names(service) {
            let inst = cat.get(name).unwrap();
            for max_pods in [1, 58, 110, 250, 500, 1000] {
                let cloud = if provider == "gcp" { "gcp" } else { "aws" };
                let text = platform_variant(
                    "aws-general: { cloud: aws, instanceType: m6i.xlarge,",
                    &format!(
                        "aws-general: {{ cloud: {cloud}, instanceType: {name}, maxPods: {max_pods},"
                    ),
                );
                let parsed = capsim::scenario::parse(&text, "p.yaml", &repo("tests/fixtures"));
                let Ok(s) = parsed else {
                    refused += 1;
                    continue;
                };
                accepted += 1;
                let cluster = s.platform.cluster.as_ref().unwrap();
                let pool = &cluster.pools[0];
                let spec = capsim::model::nodes::pool_spec(pool, provider);
                let autoscaler = capsim::model::nodes::autoscaler_spec(&cluster.autoscaler);
                assert!(
                    capsim::model::nodes::validate(&[spec], &autoscaler).is_ok(),
                    "{name} with maxPods {max_pods} accepted but not simulable ({}B)",
                    inst.memory_bytes
                );
            }
        }
    }
    assert!(
        accepted > 20 && refused > 5,
        "{accepted} accepted, {refused} refused"
    );
}

/// The values around the campaign's: each unbounded number that reached arithmetic.
#[test]
fn other_unbounded_numbers_are_out_of_range() {
    rejected(
        &variant("rampHours: 12", "rampHours: 1e308"),
        &["spec.traffic.holidays.peaks[0].rampHours", "out of range"],
    );
    rejected(
        &platform_variant("serviceTimeCv: 0.6", "serviceTimeCv: 1e308"),
        &["spec.services.web.serviceTimeCv", "out of range"],
    );
    rejected(
        &platform_variant("queriesPerRequest: 2,", "queriesPerRequest: 1e308,"),
        &[
            "spec.services.web.database.queriesPerRequest",
            "out of range",
        ],
    );
    rejected(
        &platform_variant(
            "maxNodes: 20 }\n      gcp",
            "maxNodes: 20, capacityType: spot, spotInterruptionsPerNodeDay: 1e308 }\n      gcp",
        ),
        &["spotInterruptionsPerNodeDay", "out of range"],
    );
}

#[test]
fn a_working_set_below_one_item_is_out_of_range() {
    rejected(
        &platform_variant("keysPerUser: 300", "keysPerUser: 1e-308"),
        &["spec.cache.hitRatio.keysPerUser", "1e-308"],
    );
}

#[test]
fn accepted_nonsense() {
    rejected(
        &platform_variant("aws: { weight: 70 }", "aws: { weight: 1e308 }"),
        &["spec.clouds.aws.weight"],
    );
    rejected(
        &platform_variant("duration: 1h }", "duration: 0s }"),
        &["spec.events[0].duration", "longer than 0"],
    );
    rejected(
        &platform_variant(
            "    availability: 0.999\n",
            "    availability: 0.999\n    window: 1000w\n",
        ),
        &["spec.slo.window", "longer than the run"],
    );
    // Garbage after `---`: a second document, or malformed YAML, each with its line.
    rejected(
        &(small_fixture() + "---\ngarbage: 1\n"),
        &["second YAML document"],
    );
    rejected(
        &(small_fixture() + "---\ngarbage: [1, 2\n"),
        &["malformed YAML"],
    );
    for name in ["'..'", "'.'", "a/b", "'../x'"] {
        rejected(
            &variant("name: small", &format!("name: {name}")),
            &["metadata.name", "is not a valid name"],
        );
    }
    rejected(
        &platform_variant(
            "  events:",
            "  check:\n    maxIncreasePct: 5\n    baseline: nowhere/summary.json\n  events:",
        ),
        &["spec.check.baseline", "no baseline file"],
    );
}

/// One error in `spec.simulation` or a service is that one error: the platform sections are
/// still known fields (no false "unknown field"), and a bad cloud or cache adds no cascade.
#[test]
fn one_error_is_one_problem() {
    for (from, to, field) in [
        ("seed: 11", "seed: x", "spec.simulation.seed"),
        (
            "concurrencyPerPod: 8",
            "concurrencyPerPod: x",
            "spec.services.web.concurrencyPerPod",
        ),
        (
            "aws: { weight: 70 }",
            "aws: { weight: -1 }",
            "spec.clouds.aws.weight",
        ),
        (
            "keysPerUser: 300",
            "keysPerUser: 0",
            "spec.cache.hitRatio.keysPerUser",
        ),
        (
            "availability: 0.999",
            "availability: 2",
            "spec.slo.availability",
        ),
    ] {
        let err = rejected(&platform_variant(from, to), &[field]);
        assert!(!err.contains("unknown field"), "{err}");
        assert!(
            !err.contains("problems found"),
            "exactly one problem: {err}"
        );
    }
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    rejected(&text, &["expands to more than"]);
}

#[test]
fn work_limits_need_allow_large() {
    let year = "    start: 2026-02-14\n    duration: 4d\n";
    for (text, needle) in [
        (
            variant(year, "    start: 2026-02-14\n    duration: 1y\n")
                .replace("outputResolution: 15m", "outputResolution: 15s"),
            "spec.simulation.outputResolution",
        ),
        (
            variant("      initialReplicas: 2", "      initialReplicas: 100000"),
            "initialReplicas",
        ),
    ] {
        let (_dir, path) = write_temp("bad.yaml", &text);
        let v = capsim(&["validate", path_str(&path)]);
        let err = stderr(&v);
        assert_eq!(v.status.code(), Some(2), "{err}");
        assert!(
            err.contains(needle) && err.contains("--allow-large"),
            "{err}"
        );
        // The flag accepts it (validate only: the run would be the large one).
        let v = capsim(&["validate", path_str(&path), "--allow-large"]);
        assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    }
    // A sub-second controller period is a range, not a work limit.
    rejected(
        &variant(
            "  services:",
            "  kubernetes:\n    hpaController: { syncPeriod: 100ms }\n  services:",
        ),
        &["spec.kubernetes.hpaController.syncPeriod", "at least 1s"],
    );
}

#[test]
fn sweep_flags_fail_before_any_run() {
    let o = capsim(&[
        "sweep",
        "tests/fixtures/small.yaml",
        "--runs",
        "2",
        "--threads",
        "10000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--allow-large"), "{}", stderr(&o));
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("sw");
    let o = capsim(&[
        "sweep",
        "tests/fixtures/small.yaml",
        "--runs",
        "2",
        "--require",
        "p95(db.peak_conections)<=197",
        "--out",
        path_str(&dir),
        "-q",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no metric \"db.peak_conections\""), "{err}");
    assert!(!dir.exists());
}

/// The metric names `--require` is checked against are the columns the runs have.
#[test]
fn sweep_metric_names_match_the_runs_table() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("sw");
    let o = capsim(&[
        "sweep",
        PLATFORM,
        "--runs",
        "1",
        "--out",
        path_str(&dir),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    let s = capsim::scenario::load(&repo(PLATFORM)).unwrap();
    let names = capsim::sweep::record::metric_names(&s);
    for column in header.split(',').skip(4) {
        assert!(
            names.iter().any(|n| n == column),
            "{column} not in {names:?}"
        );
    }
}

#[test]
fn negative_numbers_get_a_plain_message() {
    for args in [
        &["sweep", "tests/fixtures/small.yaml", "--runs", "-1"][..],
        &["run", "tests/fixtures/small.yaml", "--seed", "-3"][..],
    ] {
        let o = capsim(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!err.contains("-- -"), "no clap tip: {err}");
        assert!(err.contains("whole number"), "{err}");
    }
    // A negative amount is a value (an allowed decrease), judged by the rule's own check.
    let o = capsim(&[
        "check",
        "tests/fixtures/small.yaml",
        "--max-increase-usd",
        "-5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("need a baseline"), "{}", stderr(&o));
}

#[test]
fn a_file_that_is_not_utf8_is_told_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    std::fs::write(&path, b"apiVersion: caf\xe9\n").unwrap();
    let o = capsim(&["validate", path_str(&path)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("not UTF-8") && !err.contains("permissions"),
        "{err}"
    );
}

#[test]
fn queue_simulate_needs_enough_arrivals() {
    let o = capsim(&[
        "queue",
        "--arrival-rate",
        "5",
        "--service-rate",
        "2",
        "--servers",
        "4",
        "--simulate",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stdout(&o).contains("NaN"));
    assert!(stderr(&o).contains("--simulate"), "{}", stderr(&o));
}

/// A region or SKU the price book lacks names the scenario field that asked for it, with its
/// line, as well as the book.
#[test]
fn unknown_region_and_sku_name_the_scenario_field() {
    let err = rejected(
        &platform_variant(
            "  events:",
            "  cost:\n    regions: { aws: mars-1 }\n  events:",
        ),
        &[
            "bad.yaml:85:",
            "spec.cost.regions.aws",
            "mars-1",
            "seoul-2026.csv",
        ],
    );
    assert!(
        !err.contains("problems found"),
        "one problem per region: {err}"
    );
    rejected(
        &platform_variant("cache.r6g.large", "cache.r6g.huge"),
        &["spec.cache.nodeType"],
    );
    let env = "  cost:\n    environments:\n      dev:\n        cloud: aws\n        items:\n          \
               - { sku: m9z.huge, count: 2 }\n  events:";
    rejected(
        &platform_variant("  events:", env),
        &[
            "bad.yaml:89:",
            "spec.cost.environments.dev.items[0].sku",
            "m9z.huge",
        ],
    );
}

/// An instance type from `spec.catalogue` too small for the kubelet's reservation is refused at
/// its pool even with the default maxPods (model::nodes could not build it: a panic before).
#[test]
fn a_tiny_catalogue_instance_is_refused_at_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tiny.csv"),
        "provider,service,type,vcpu,memory_gib,network,notes,source\n\
         aws,ec2,t9.tiny,2,0.25,Low,,https://example.com/t9\n",
    )
    .unwrap();
    let text = platform_variant("instanceType: m6i.xlarge,", "instanceType: t9.tiny,").replacen(
        "  clouds:",
        "  catalogue: tiny.csv\n  clouds:",
        1,
    );
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, text).unwrap();
    let o = capsim(&["validate", path_str(&path)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("spec.cluster.nodePools.aws-general.instanceType")
            && err.contains("t9.tiny node with maxPods 58 has no memory left"),
        "{err}"
    );
}
