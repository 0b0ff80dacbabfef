"""SLA reports for managers: figures in SQL, charts, CSV and PDF exports, scheduled delivery."""
