"""The public observatory: static pages built from the figures' specifications."""
