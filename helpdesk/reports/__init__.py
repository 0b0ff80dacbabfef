"""SLA reports for managers: figures computed in SQL, charts, CSV and PDF exports, scheduled delivery."""
