"""The tool recall notebook lists exactly the check-outs, cards, aircraft and signatures that the
ledger and the records put between the tool's last good calibration and the bad one."""

from __future__ import annotations

from tests.notebooks.conftest import number, printed


def test_tool_recall_matches_the_ledger(demo, execute):
    out = printed(execute("tool_recall"))

    bad = demo.sql("SELECT c.*, t.tool_no, t.description FROM tool_calibrations c "
                   "JOIN tools t ON t.id = c.tool_id WHERE c.as_found = 'OUT_OF_TOL' AND c.voided_at IS NULL "
                   "ORDER BY c.calibrated_at")
    finding = bad.iloc[-1]
    last_good = demo.sql("SELECT max(calibrated_at) AS at FROM tool_calibrations WHERE tool_id = :tool "
                         "AND as_found = 'IN_TOL' AND voided_at IS NULL AND calibrated_at < :found",
                         tool=int(finding["tool_id"]), found=finding["calibrated_at"])["at"].iloc[0]
    uses = demo.sql(
        "SELECT u.id, u.task_card_id, tc.performed_by, tc.inspected_by, w.id AS work_order_id, "
        "w.crs_issued_at, a.registration FROM tool_usage u LEFT JOIN task_cards tc ON tc.id = u.task_card_id "
        "LEFT JOIN work_orders w ON w.id = tc.work_order_id LEFT JOIN aircraft a ON a.id = w.aircraft_id "
        "WHERE u.tool_id = :tool AND u.usage_kind = 'CHECK_OUT' AND u.occurred_at < :found "
        "AND u.occurred_at > coalesce(:good, '0000')",
        tool=int(finding["tool_id"]), found=finding["calibrated_at"], good=last_good)

    total = number(r"(\d+) out-of-tolerance findings on (\d+) tools", out["findings"])
    assert list(map(int, total)) == [len(bad), bad["tool_id"].nunique()]
    assert out["tool"].startswith(
        f"{finding['tool_no']} ({finding['description']}) was found out of tolerance on "
        f"{finding['calibrated_at'][:10]} by {finding['lab']}; its last good calibration: "
        f"{last_good[:10] if last_good else 'none on record'}")

    cards = uses.drop_duplicates("task_card_id")
    signatures = int(cards["performed_by"].notna().sum() + cards["inspected_by"].notna().sum())
    releases = uses.dropna(subset=["crs_issued_at"])["work_order_id"].nunique()
    registrations = ", ".join(sorted(uses["registration"].dropna().unique())) or "none"
    assert (f"{finding['tool_no']} was checked out {len(uses)} times for {uses['task_card_id'].nunique()} "
            f"task cards on {uses['registration'].nunique()} aircraft ({registrations}); {signatures} card "
            f"sign-offs and {releases} CRS to review") in out["recall"]

    review = demo.sql("SELECT finding_no, status FROM findings WHERE id = :id",
                      id=int(finding["recall_review_id"])).iloc[0]
    assert out["review"].startswith(f"Recall review {review['finding_no']} ")
    assert f": {review['status']}" in out["review"]
