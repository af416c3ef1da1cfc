"""Sub-commands of `magt`."""
