"""What integrators use: the command line, the pytest plugin, `running()` and the admin client."""
