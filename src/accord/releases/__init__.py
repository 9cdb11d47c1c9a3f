"""Releases: the casework zone's one door out (disclosure-controlled, approved, signed)."""
