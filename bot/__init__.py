"""PaperLens's Discord bot (discord.py). Imports index/; index/ never imports it.

The bot itself is tracked by its own issue; this package exists so the layout and the import
boundary (ruff TID251) are in place.
"""
