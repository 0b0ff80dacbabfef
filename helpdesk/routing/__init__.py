"""Routing: rules that pick a new ticket's queue, priority, type and tags; assignment."""
