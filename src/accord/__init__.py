"""Accord: casework, co-produced action plans, equality impact assessments and statistics."""
