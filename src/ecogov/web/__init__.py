"""The web workspace (server-rendered, Chinese first, no external assets)."""
