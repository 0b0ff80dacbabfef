"""Aclara: the helpdesk for debt-collection organisations."""
