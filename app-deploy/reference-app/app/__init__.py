"""Table Order reference app: the stand-in service the deploy pipeline ships."""
