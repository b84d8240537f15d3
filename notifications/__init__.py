"""Message rendering, channels, consent and the privacy rules every message obeys.

Depends only on ``core``.
"""
