"""Search: any ticket by any word, folio, name, phone, address or account number.

``query`` parses what an agent types into a backend-neutral ``ParsedQuery``;
``documents`` turns tickets into flat documents; a backend (``whoosh_index`` today)
indexes and answers; ``services`` is the door the rest of the app uses; ``tracking``
records every ticket a transaction changes in ``search_changes`` (committed with the
change itself), and the ``search`` queue's job drains that log, so a crash between the
commit and the job loses nothing: the next job, or the cron catch-up, indexes it.
"""
