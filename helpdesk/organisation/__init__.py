"""Setting up an organisation from the admin screens: compositions over queues,
channels, SLA and tickets that no single package below owns."""
