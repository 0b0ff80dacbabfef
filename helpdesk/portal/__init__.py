"""The debtor's self-service portal: one-time sign-in codes and what a debtor may read."""
