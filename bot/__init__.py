"""PaperLens's Discord bot (discord.py): the client, one cog per feature, pure render functions, the error
handler and the Discord poster for digests. It imports the library (index/); nothing imports it but its
own entry point."""
