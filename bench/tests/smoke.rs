//! The harness in its smoke size: every workload runs, and every figure is a real measurement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_workload_runs_and_reports_a_figure_next_to_raw() {
    let report = bench::run(&tests::server_url(), bench::Size::smoke(), None, |_| {})
        .await
        .unwrap();
    let ids: Vec<&str> = report.rows.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "W1", "W2", "W3", "W11", "W12", "W12r", "W13", "W13r", "W6", "W6s", "W4a", "W4b", "W5",
            "W8a", "W8b", "W7a", "W7b", "W7c", "W7m", "S1", "S1p", "S1c", "S1g", "S1t", "S1w",
            "S2", "S2p", "S2c", "S2g", "S2t", "S2w", "S3", "S3p", "S3c", "S3g", "S4", "S4p", "S4c",
            "S4g", "Sm", "S5", "S5c", "S5g", "S5t", "S5w", "S6", "S6c", "S6g", "S6t", "S6w", "W9",
            "W10"
        ]
    );
    for row in &report.rows {
        let figures = std::iter::once(row.ours.median).chain(row.raw.map(|raw| raw.median));
        if row.target == "(profile)" {
            // a profile's figure may be 0 at this size (CPU is read to 10 ms), or not known
            // (PostgreSQL's CPU, for a server on another machine); never below 0.
            assert!(
                figures.into_iter().all(|f| f.is_nan() || f >= 0.0),
                "{row:?}"
            );
        } else {
            assert!(
                figures.into_iter().all(|f| f.is_finite() && f > 0.0),
                "{row:?}"
            );
        }
    }
    // each created partner wrote at least its own transaction, ours and the ceiling's.
    let created = report.rows.iter().find(|r| r.id == "S1t").unwrap();
    assert!(created.ours.median >= 1.0, "{created:?}");
    assert!(created.raw.unwrap().median >= 1.0, "{created:?}");
    let table = bench::table(&report);
    assert!(table.contains("| W5 |"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_growth_benchmark_measures_every_report_and_the_servers_memory_at_each_size() {
    // the `erp` binary cargo built for the workspace's tests, next to this test's folder.
    let erp = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("erp");
    assert!(erp.exists(), "{} is not built", erp.display());
    let growth = bench::growth::growth(&tests::server_url(), &[4, 12], &erp, false, |_| {})
        .await
        .unwrap();
    assert_eq!(
        growth.stages.iter().map(|s| s.invoices).collect::<Vec<_>>(),
        [4, 12]
    );
    for stage in &growth.stages {
        assert_eq!(stage.reports.len(), 9, "{stage:?}");
        for report in &stage.reports {
            assert!(
                report.median_ms > 0.0 && report.p99_ms_8_clients > 0.0,
                "{report:?}"
            );
            assert!(report.answer_bytes > 0, "{report:?}");
        }
        assert!(
            stage.rss_mb > 1.0 && stage.peak_rss_mb >= stage.rss_mb,
            "{stage:?}"
        );
    }
    // the log grew with the invoices: each is an order's worth of commands.
    assert!(growth.stages[1].events > growth.stages[0].events);
    let table = bench::growth::table(&growth);
    assert!(table.contains("| trialBalance |"), "{table}");
}
