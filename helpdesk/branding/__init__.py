"""The creditor's or agency's look for debtors: names, logo, colours, legal notice and
privacy-notice link, kept by admins and used by the portal, the web form, the acuse and
the debtors' emails."""
