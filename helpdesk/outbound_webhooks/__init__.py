"""Outbound webhooks: telling the collection system what happened (holds, tickets).

``models`` (endpoints, events, deliveries), ``services`` (endpoints: admin writes,
signing secrets), ``emit`` (signal receivers that store events in the caller's
transaction), ``delivery`` (signed POSTs, retries with backoff, replay), ``queries``
(the delivery log), ``cli``.
"""
