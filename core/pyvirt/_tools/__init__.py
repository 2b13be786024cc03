"""Developer tools that ship with pyvirt: the code generator (``python -m pyvirt._tools.gen_api``)."""
