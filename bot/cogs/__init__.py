"""One cog per feature: search, ask, digest, admin. Cogs are thin: parse, defer, call index/, render."""
