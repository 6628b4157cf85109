"""nianbao package."""
