"""Canned responses: texts agents insert into a reply, with the ticket's facts filled in."""
