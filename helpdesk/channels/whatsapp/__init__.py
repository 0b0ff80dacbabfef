"""The WhatsApp Business Cloud API channel: webhook, signature, client, media, replies."""
