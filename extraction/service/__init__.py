"""The HTTP service (``nianbao serve``)."""
