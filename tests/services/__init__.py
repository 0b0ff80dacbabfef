"""Throwaway services the tests start themselves (Dovecot)."""
