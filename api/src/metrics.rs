//! What an operator watches, kept in memory and written at `/metrics` in Prometheus' text
//! format: requests and their latency by operation, commands and their refusals by kind, the
//! wait for read-your-writes, and (read when asked) projection lag and pool use per database.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex};

/// The upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The metrics this process keeps.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// Label names and values, in order.
pub type Labels = Vec<(&'static str, String)>;

/// What one metric is: its kind and line of help.
struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
}

/// GraphQL requests answered, by database and operation (its type and first root field).
pub const REQUESTS: &str = "erp_graphql_requests_total";
/// How long GraphQL requests took.
pub const LATENCY: &str = "erp_graphql_request_duration_seconds";
/// Mutation fields run, by database, mutation and outcome (`OK` or the refusal's code).
pub const COMMANDS: &str = "erp_commands_total";
/// How long mutations waited for the read model to show their change.
pub const HORIZON_WAIT: &str = "erp_read_your_writes_wait_seconds";

const FAMILIES: [Family; 4] = [
    Family {
        name: REQUESTS,
        kind: "counter",
        help: "GraphQL requests answered, by database and operation.",
    },
    Family {
        name: LATENCY,
        kind: "histogram",
        help: "How long GraphQL requests took, by database and operation.",
    },
    Family {
        name: COMMANDS,
        kind: "counter",
        help: "Mutations run, by database, mutation and outcome (OK, or the code of the refusal).",
    },
    Family {
        name: HORIZON_WAIT,
        kind: "histogram",
        help: "How long mutations waited for the read model to show their change.",
    },
];

#[derive(Default)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative).
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Series {
    counters: BTreeMap<(&'static str, Labels), u64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
}

/// Counters and histograms, by metric name and labels.
#[derive(Default)]
pub struct Metrics(Mutex<Series>);

impl Metrics {
    /// Adds one to counter `name` with `labels`.
    pub fn count(&self, name: &'static str, labels: Labels) {
        if let Ok(mut series) = self.0.lock() {
            *series.counters.entry((name, labels)).or_default() += 1;
        }
    }

    /// Records `seconds` in histogram `name` with `labels`.
    pub fn observe(&self, name: &'static str, labels: Labels, seconds: f64) {
        if let Ok(mut series) = self.0.lock() {
            let histogram = series.histograms.entry((name, labels)).or_default();
            if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
                histogram.buckets[bucket] += 1;
            }
            histogram.sum += seconds;
            histogram.count += 1;
        }
    }

    /// Everything kept, in Prometheus' text format.
    pub fn render(&self, out: &mut String) {
        let Ok(series) = self.0.lock() else {
            return;
        };
        for family in &FAMILIES {
            let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
            for ((_, labels), value) in series.counters.range(range(family.name)) {
                let _ = writeln!(out, "{}{} {value}", family.name, text(labels, None));
            }
            for ((_, labels), histogram) in series.histograms.range(range(family.name)) {
                let mut cumulative = 0;
                for (bound, count) in BUCKETS.iter().zip(histogram.buckets) {
                    cumulative += count;
                    let le = Some(("le", bound.to_string()));
                    let _ = writeln!(
                        out,
                        "{}_bucket{} {cumulative}",
                        family.name,
                        text(labels, le)
                    );
                }
                let inf = Some(("le", "+Inf".to_owned()));
                let name = family.name;
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    text(labels, inf),
                    histogram.count
                );
                let _ = writeln!(out, "{name}_sum{} {}", text(labels, None), histogram.sum);
                let _ = writeln!(
                    out,
                    "{name}_count{} {}",
                    text(labels, None),
                    histogram.count
                );
            }
        }
    }
}

/// The keys of metric `name`, whatever their labels.
fn range(name: &'static str) -> std::ops::RangeInclusive<(&'static str, Labels)> {
    let highest = vec![("\u{10FFFF}", String::new())];
    (name, Labels::new())..=(name, highest)
}

/// Writes a gauge's help, type and one line per labelled value.
pub fn gauge(out: &mut String, name: &str, help: &str, values: &[(Labels, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in values {
        let _ = writeln!(out, "{name}{} {value}", text(labels, None));
    }
}

/// `{a="x",b="y"}`, values escaped as the format wants; nothing when there are no labels.
fn text(labels: &Labels, extra: Option<(&'static str, String)>) -> String {
    let all: Vec<String> = labels
        .iter()
        .cloned()
        .chain(extra)
        .map(|(name, value)| {
            let value = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{name}=\"{value}\"")
        })
        .collect();
    if all.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", all.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_is_written_cumulative_with_its_sum_and_count() {
        let metrics = Metrics::default();
        let labels = || vec![("operation", "query \"x\"".to_owned())];
        metrics.observe(LATENCY, labels(), 0.003_906_25); // 2^-8: sums exactly
        metrics.observe(LATENCY, labels(), 0.25);
        metrics.observe(LATENCY, labels(), 64.0);
        metrics.count(REQUESTS, labels());
        let mut out = String::new();
        metrics.render(&mut out);
        let l = "operation=\"query \\\"x\\\"\"";
        for line in [
            format!("erp_graphql_requests_total{{{l}}} 1"),
            format!("erp_graphql_request_duration_seconds_bucket{{{l},le=\"0.0025\"}} 0"),
            format!("erp_graphql_request_duration_seconds_bucket{{{l},le=\"0.005\"}} 1"),
            format!("erp_graphql_request_duration_seconds_bucket{{{l},le=\"0.25\"}} 2"),
            format!("erp_graphql_request_duration_seconds_bucket{{{l},le=\"10\"}} 2"),
            format!("erp_graphql_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} 3"),
            format!("erp_graphql_request_duration_seconds_sum{{{l}}} 64.25390625"),
            format!("erp_graphql_request_duration_seconds_count{{{l}}} 3"),
        ] {
            assert!(out.lines().any(|o| o == line), "no {line} in\n{out}");
        }
    }
}
