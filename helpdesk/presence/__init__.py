"""Presence on a ticket: which staff have it open and who is typing a reply, kept for a
few seconds at a time (``store.py``). No tables, no other domain package."""
