//! The command line as a whole (issue 12 item 7): `-q` on every command, one `--format`
//! vocabulary, shell completions and man pages — all through the real binary.

use crate::common::{capsim, path_str, stderr, stdout};

/// Every command and subcommand, as typed after `capsim`.
const COMMANDS: [&[&str]; 17] = [
    &["run"],
    &["compare"],
    &["check"],
    &["sweep"],
    &["sweep", "merge"],
    &["headroom"],
    &["validate"],
    &["schema"],
    &["hpa"],
    &["hpa", "eval"],
    &["queue"],
    &["calibrate"],
    &["import"],
    &["import", "k8s"],
    &["import", "terraform"],
    &["completions"],
    &["man"],
];

/// The `--format` values capsim uses anywhere; a command offers the ones that apply.
const VOCABULARY: [&str; 4] = ["table", "json", "markdown", "csv"];

#[test]
fn every_command_takes_quiet_and_formats_come_from_one_vocabulary() {
    // The top-level help lists every command we test (no command is left out of the audit).
    let top = stdout(&capsim(&["--help"]));
    for c in COMMANDS.iter().filter(|c| c.len() == 1) {
        assert!(top.contains(&format!("  {} ", c[0])), "{c:?} in\n{top}");
    }
    for c in COMMANDS {
        // clap reads the arguments in order: an unknown -q would be an error before --help.
        for q in ["-q", "--quiet"] {
            let mut args = c.to_vec();
            args.extend([q, "-h"]);
            let o = capsim(&args);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        }
        let help = stdout(&capsim(&[c, &["-h"]].concat()));
        // clap wraps the help at 100 columns: read from the flag to its closing bracket.
        if let Some(at) = help.find("--format <FORMAT>") {
            let rest = help[at..].split_whitespace().collect::<Vec<_>>().join(" ");
            let values = rest
                .split_once("[possible values: ")
                .and_then(|(_, v)| v.split_once(']'))
                .map(|(v, _)| v)
                .unwrap_or_else(|| panic!("{c:?}: {rest}"));
            for v in values.split(", ") {
                assert!(VOCABULARY.contains(&v), "{c:?} --format {v}");
            }
            let default = rest.split_once("[default: ").map(|(_, d)| d);
            assert!(
                default.is_some_and(|d| d.starts_with("table]")),
                "{c:?}: {rest}"
            );
        }
    }
    // The old name of the plain format still works where it was used.
    const QUEUE: [&str; 7] = [
        "queue",
        "--arrival-rate",
        "9",
        "--service-rate",
        "1",
        "--servers",
        "10",
    ];
    let o = capsim(&[&QUEUE[..], &["--format", "text"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&capsim(&QUEUE)));
}

/// `-q` silences the commands whose result is their files or their exit code, before or after
/// the subcommand.
#[test]
fn quiet_commands_print_nothing_and_keep_their_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let small = "tests/fixtures/small.yaml";
    let cases: [(Vec<&str>, i32); 5] = [
        (vec!["-q", "validate", small], 0),
        (vec!["validate", small, "--quiet"], 0),
        (vec!["check", small, "--budget", "1", "-q"], 1),
        (vec!["check", small, "--budget", "1000000", "-q"], 0),
        (
            vec![
                "hpa",
                "eval",
                "tests/hpa-cases/horizontal_behavior.json",
                "-q",
            ],
            0,
        ),
    ];
    for (args, code) in cases {
        let o = capsim(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    let out = dir.path().join("run");
    let o = capsim(&["-q", "run", small, "--out", path_str(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""));
    assert!(out.join("summary.json").exists());
    // import writes its file and says nothing on either stream (it said "wrote …").
    let imported = dir.path().join("imported.yaml");
    let o = capsim(&[
        "-q",
        "import",
        "terraform",
        "tests/fixtures/import/terraform/aws-eks-rds-elasticache-plan.json",
        "--out",
        path_str(&imported),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""));
    assert!(imported.exists());
    // Without -q the same commands speak.
    assert!(stdout(&capsim(&["validate", small])).starts_with("ok "));
}

#[test]
fn completions_and_man_pages_name_every_command() {
    let bash = capsim(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let bash = stdout(&bash);
    assert!(
        bash.contains("_capsim()") && bash.contains("complete -F _capsim"),
        "{bash}"
    );
    for c in [
        "run",
        "check",
        "compare",
        "sweep",
        "schema",
        "completions",
        "man",
    ] {
        // Each command is a case of the completion function, not just a word in it.
        assert!(
            bash.contains(&format!("capsim,{c})")),
            "bash completion lacks {c}"
        );
    }
    let zsh = stdout(&capsim(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef capsim"), "{zsh}");
    let fish = stdout(&capsim(&["completions", "fish"]));
    assert!(fish.contains("complete -c capsim"), "{fish}");
    let o = capsim(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));

    let man = stdout(&capsim(&["man"]));
    assert!(man.contains(".TH capsim 1"), "{man}");
    // The top page refers to each command's own page.
    assert!(man.contains("capsim\\-check(1)"), "{man}");
    let dir = tempfile::tempdir().unwrap();
    let o = capsim(&["man", "--out", path_str(dir.path()), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for page in [
        "capsim.1",
        "capsim-run.1",
        "capsim-check.1",
        "capsim-sweep-merge.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}

/// docs/ci.md's example budget is one the bundled heal7 plan passes (its worst month, December
/// 2026, is $10,999.09 on-demand), and the action's inputs are `capsim check` flags.
#[test]
fn the_ci_example_budget_passes_heal7_and_the_action_inputs_are_check_flags() {
    let ci = std::fs::read_to_string(crate::common::repo("docs/ci.md")).unwrap();
    let budget = ci
        .split_once("budget: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(b, _)| b.to_string())
        .expect("docs/ci.md's workflow sets a budget");
    let o = capsim(&["check", "scenarios/heal7.yaml", "--budget", &budget, "-q"]);
    assert_eq!(o.status.code(), Some(0), "budget {budget}: {}", stderr(&o));
    assert!(
        ci.contains(&format!("--budget {budget} ")),
        "the prose names it"
    );

    let action = std::fs::read_to_string(crate::common::repo("action.yml")).unwrap();
    let help = stdout(&capsim(&["check", "--help"]));
    let inputs = action
        .split_once("\ninputs:\n")
        .and_then(|(_, rest)| rest.split_once("\noutputs:\n"))
        .map(|(i, _)| i)
        .unwrap();
    let mut flags = 0;
    for line in inputs.lines() {
        let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) else {
            continue;
        };
        if name.starts_with(' ') {
            continue;
        }
        if [
            "scenario",
            "args",
            "install",
            "comment",
            "fail-on-gate",
            "github-token",
        ]
        .contains(&name)
        {
            continue;
        }
        assert!(help.contains(&format!("--{name} ")), "action input {name}");
        flags += 1;
    }
    assert_eq!(flags, 8);
}
