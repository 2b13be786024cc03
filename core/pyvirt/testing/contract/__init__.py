"""pyvirt's driver contract suite: ``pytest --pyvirt-driver=URI`` runs it (see pyvirt.testing).

Every test opens its own connection to the driver, uses only the public API, names what it
creates ``pyvirt-contract-*`` and removes it again.  A test whose feature the driver does not
implement (it raises ``VIR_ERR_NO_SUPPORT``) is skipped, and the feature is listed at the end
of the run: the contract says how a supported feature behaves, not which ones a driver has.
"""
