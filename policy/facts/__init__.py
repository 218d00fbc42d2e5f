"""The fact model: the team manifest's schema, its loader and its importers."""
