"""Budget allocation: the global optimiser, plans on fitted curves and value draws."""
