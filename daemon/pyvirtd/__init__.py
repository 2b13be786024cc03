"""pyvirtd."""
