"""Feeds: agency files in, validated, versioned source records out; rejects kept in quarantine."""
