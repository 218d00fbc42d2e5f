"""dokpamo: a declarative policy language for judging AI foundation models."""
