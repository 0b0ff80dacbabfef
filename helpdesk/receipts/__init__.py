"""The acuse de recibo: the PDF that tells a debtor what we received, when, and by when
we will answer. ``queries`` gathers a ticket's facts, ``render`` turns them into a PDF,
``services`` attaches it to the acknowledgement the channels send."""
