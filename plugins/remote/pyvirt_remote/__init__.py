"""pyvirt remote driver."""
