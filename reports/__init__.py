"""What leaves Rumor Desk: exports and reports, written safely."""
