"""Satisfaction ratings (CSAT): one 1–5 score per resolution of a ticket."""
