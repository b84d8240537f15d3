"""The JSON API: thin routers that parse, authorise and call one service function."""
