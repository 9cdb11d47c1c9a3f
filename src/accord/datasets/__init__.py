"""Imported data (police.uk, ONS Census, generic tables): validated, harmonised, immutable.

``safe_csv_cell`` is exported here for every part of Accord that writes CSV files.
"""

from accord.datasets.export import safe_csv_cell, safe_csv_row, write_csv

__all__ = ["safe_csv_cell", "safe_csv_row", "write_csv"]
