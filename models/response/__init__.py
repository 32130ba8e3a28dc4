"""Response curves: adstock and saturation, the fit with seasonal demand, the bootstrap."""
