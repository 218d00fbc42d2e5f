"""One module per command; `policy.cli` imports each only when its command runs."""
