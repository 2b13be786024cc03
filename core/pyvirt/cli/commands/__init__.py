"""pyvirsh's commands, one module per virsh help group (domain, monitor, host, network,
storage pools and volumes, virsh itself).  Each module lists its commands in ``COMMANDS``."""
