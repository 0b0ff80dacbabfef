"""The public web form (/contacto): a channel adapter like email and WhatsApp."""
