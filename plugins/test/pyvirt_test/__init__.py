"""pyvirt test driver."""
